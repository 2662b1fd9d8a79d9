"""What the agent needs to draw while the server is down: effects, their renders, the live session.

Read from the server (`GET /api/effects/renders`, the live session) whenever the
link (re)connects and after the creator changes a brand kit or an effect, and kept
in `<data>/agent-cache.json` (0600) so an agent started while the server is down
can still draw. Renders are the server's own, with the brand kit active when they
were read; a fire from the cache cannot take parameters (only the server applies
them), and its cooldown is applied here from the fires this agent saw.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class CachedEffect:
    id: str
    slug: str
    name: str
    kind: str
    cooldown_ms: int


@dataclass
class Cache:
    path: Path
    effects: dict[str, CachedEffect] = field(default_factory=dict)
    renders: dict[str, dict[str, Any]] = field(default_factory=dict)
    live_session_id: str | None = None
    last_fired_ms: dict[str, int] = field(default_factory=dict)  # effect id -> wall ms

    # -- reading and writing ----------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> Cache:
        cache = cls(path)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return cache
        if isinstance(data, dict):
            with contextlib.suppress(KeyError, TypeError, ValueError):
                cache.take(data)
        return cache

    def take(self, data: Mapping[str, Any]) -> None:
        """Replace the cache with the server's answer (plus the live session id)."""
        self.effects = {
            str(e["id"]): CachedEffect(
                str(e["id"]),
                str(e["slug"]),
                str(e["name"]),
                str(e["kind"]),
                int(e.get("cooldownMs") or 0),
            )
            for e in data["effects"]
        }
        self.renders = {str(k): dict(v) for k, v in data["renders"].items()}
        self.live_session_id = data.get("liveSessionId")

    def save(self) -> None:
        data = {
            "effects": [
                {
                    "id": e.id,
                    "slug": e.slug,
                    "name": e.name,
                    "kind": e.kind,
                    "cooldownMs": e.cooldown_ms,
                }
                for e in self.effects.values()
            ],
            "renders": self.renders,
            "liveSessionId": self.live_session_id,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fresh = self.path.with_suffix(".tmp")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(data, out)
        os.replace(fresh, self.path)

    # -- using it ---------------------------------------------------------------------

    def find(self, effect: str) -> CachedEffect | None:
        """An effect by id or slug."""
        if effect in self.effects:
            return self.effects[effect]
        return next((e for e in self.effects.values() if e.slug == effect), None)

    def saw_fire(self, effect_id: str, at_ms: int) -> None:
        self.last_fired_ms[effect_id] = max(at_ms, self.last_fired_ms.get(effect_id, 0))

    def cooling_down_ms(self, effect: CachedEffect, now_ms: int | None = None) -> int:
        """How long the effect's cooldown still runs (0: it may fire)."""
        now = int(time.time() * 1000) if now_ms is None else now_ms
        last = self.last_fired_ms.get(effect.id)
        if last is None or effect.cooldown_ms <= 0:
            return 0
        return max(0, last + effect.cooldown_ms - now)
