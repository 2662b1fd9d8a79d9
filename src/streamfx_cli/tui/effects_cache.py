"""The effects the panel last loaded, kept on this computer so that the next start draws
the grid in its first frame, before the server has answered (docs/PANEL.md "Opening it").

The file holds the server's own effect records for one server URL (the grid is rebuilt
from them as from a snapshot, `model.Effect.from_api`) and nothing secret. It is only a
head start: the grid is greyed until the server's snapshot replaces it, and nothing can
fire before that. A missing, unreadable or foreign file is no cache at all.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..paths import cache_dir, private_dir
from .model import Effect, grid_order

FILE_NAME = "panel-effects.json"
VERSION = 1


class EffectsCache:
    def __init__(self, server_url: str, directory: Path | None = None) -> None:
        self.server_url = server_url
        self._directory = directory
        self._saved: list[Any] | None = None  # what the file holds, once read or written

    @property
    def path(self) -> Path:
        return (self._directory or cache_dir()) / FILE_NAME

    def load(self) -> list[Effect]:
        """The last effects loaded from this server, in grid order; [] when there are none."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION or data.get("server") != self.server_url:
                return []
            records = data["effects"]
            effects = [Effect.from_api(record) for record in records]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return []
        self._saved = records
        return grid_order(effects)

    def save(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Keep the effects the server just sent (blocking: a worker thread calls this).
        Written only when they changed, whole or not at all; a failure only costs the
        next start its head start."""
        records = list(records)
        if records == self._saved:
            return
        body = json.dumps({"version": VERSION, "server": self.server_url, "effects": records})
        path = self.path
        tmp = path.with_suffix(".tmp")
        with contextlib.suppress(OSError):
            private_dir(path.parent)
            tmp.write_text(body, encoding="utf-8")
            os.replace(tmp, path)
            self._saved = records
