"""Show one activation's render in OBS: what `streamfx fire` and the panel both do.

A render (docs/RENDER.md) comes from the server once the trigger is recorded.
Overlay effects have nothing to draw in OBS, and callers skip them before
importing this package (it loads the WebSocket client). Image and media effects need
their file on this computer first; the caller says how to get it (`FetchAsset`,
the CLI's asset cache downloads and checks it once), so this package never
talks to the server. Then `draw.draw_noted` sends the batch.

`fire` connects first and fetches the file after (OBS trouble is reported
before any download); the panel fetches first and draws on its kept
connection under a lock, so a download never holds that lock. Both go through
`show`; they differ only in the `draw_on` they give it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .connection import ObsConnection
    from .draw import Drawn

# Kinds whose render carries an `asset` OBS reads from a local file.
FILE_KINDS = ("image", "media")

Render = Mapping[str, Any]
# (the render's `asset` mapping, the effect's name for messages) -> the file's local path
FetchAsset = Callable[[Mapping[str, Any], str], str | os.PathLike[str]]
T = TypeVar("T")


def local_file(render: Render, fetch: FetchAsset) -> str | None:
    """The local path of the file `render` needs, fetched if need be; None if it needs none."""
    if not render.get("asset") or render.get("kind") not in FILE_KINDS:
        return None
    effect = render.get("effect") or {}
    return str(fetch(render["asset"], str(effect.get("name", "effect"))))


def show(render: Render, fetch: FetchAsset, draw_on: Callable[[Render, str | None], T]) -> T:
    """Fetch the render's file (if it has one), then draw it with `draw_on`
    ((render, local file or None) -> what OBS started)."""
    return draw_on(render, local_file(render, fetch))


def show_on(conn: ObsConnection, render: Render, fetch: FetchAsset) -> Drawn | None:
    """`show` on an open connection; returns once OBS has started the effect (and said
    what it produced, for a replay), None when OBS has nothing to do for it."""
    from .draw import draw_noted

    return show(render, fetch, lambda drawn, path: draw_noted(conn, drawn, path))
