"""`streamfx tui` without Typer: check the sign-in, pick the server, open the panel.

Building the Typer app (and the pydantic it builds on) takes longer than Textual
itself does to draw its first frame, so `main.run` sends a plain `streamfx tui
[--server URL]` here, as it sends a plain `fire` to `firing`; every other shape
(help, a typo, shell completion) goes through the Typer app, whose `tui` command
calls `open_panel` too, so both ways behave the same (docs/PANEL.md).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

from .errors import NotLoggedIn


def parse_tui_args(argv: Sequence[str]) -> tuple[str | None] | None:
    """`tui [--server URL | --server=URL]` as `(server,)`; None for anything else."""
    if not argv or argv[0] != "tui":
        return None
    if any(name.startswith("_") and name.endswith("_COMPLETE") for name in os.environ):
        return None
    rest = list(argv[1:])
    if not rest:
        return (None,)
    if len(rest) == 2 and rest[0] == "--server" and rest[1] and not rest[1].startswith("-"):
        return (rest[1],)
    if len(rest) == 1 and rest[0].startswith("--server=") and len(rest[0]) > len("--server="):
        return (rest[0].removeprefix("--server="),)
    return None


def server_for_panel(server: str | None, stored_server: str | None = None) -> str:
    """The server the panel talks to: --server, else $STREAMFX_SERVER, else the saved one."""
    from .config import server_url
    from .credentials import CredentialStore

    if stored_server is None and not server and not os.environ.get("STREAMFX_SERVER"):
        stored = CredentialStore().load()
        stored_server = stored.server if stored else None
    return server_url(server, stored=stored_server)


def open_panel(server: str | None) -> None:
    """`streamfx tui`: the panel for the signed-in account (or NotLoggedIn).

    The sign-in is read (a keyring may take a while to answer) while Textual is
    imported, which only needs the CPU."""
    from .credentials import CredentialStore, Login

    found: list[Login | None] = []
    reading = threading.Thread(target=lambda: found.append(CredentialStore().load()))
    reading.start()
    try:
        from .tui import app  # noqa: F401  (imported now, while the keyring answers)
    finally:
        reading.join()
    from .tui import run_panel

    stored = found[0] if found else CredentialStore().load()
    if stored is None:
        raise NotLoggedIn(hint="Run `streamfx login`, or `streamfx up` to set everything up.")
    run_panel(server_for_panel(server, stored.server))
