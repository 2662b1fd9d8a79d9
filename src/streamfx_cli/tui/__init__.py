"""The live control panel (`streamfx tui`, `streamfx up`), built on Textual.

Textual is slow to import, so nothing outside this package imports it at
module level: `streamfx_cli.commands.up` imports `run_panel` inside the command.
"""

from __future__ import annotations

from typing import Any


def run_panel(server: str | None = None, **options: Any) -> int | None:
    """Open the panel in this terminal; returns its exit code when the streamer quits."""
    from .app import run_panel as run

    return run(server, **options)
