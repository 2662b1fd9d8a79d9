"""`streamfx tui` without Typer: check the sign-in, pick the server, open the panel.

Building the Typer app (and the pydantic it builds on) takes longer than Textual
itself does to draw its first frame, so `main.run` sends a plain `streamfx tui
[--server URL]` here, as it sends a plain `fire` to `firing`; every other shape
(help, a typo, shell completion) goes through the Typer app, whose `tui` command
calls `open_panel` too, so both ways behave the same (docs/PANEL.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from .errors import ExitCode, NotLoggedIn

# What the panel returns when it closed because nobody is signed in.
SIGNED_OUT = ExitCode.AUTH


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


SIGNED_OUT_HINT = "Run `streamfx login`, or `streamfx up` to set everything up."


def open_panel(server: str | None) -> None:
    """`streamfx tui`: the panel for the signed-in account (or NotLoggedIn).

    A sign-in in a file is read first, and none means no panel. One in the Secret
    Service is read once the first frame is on screen, as the panel's first load does
    anyway: reading it (D-Bus, its imports, a key exchange) would hold that frame up by
    about 70 ms (docs/BENCHMARKS.md "The control panel"). None there closes the panel
    with the same error."""
    from .config import server_url
    from .credentials import CredentialStore
    from .tui import run_panel

    store = CredentialStore()
    if store.in_secret_service():
        # `streamfx login` saved the server it signed in to in config.json: the same one.
        if run_panel(server_url(server), leave_when_signed_out=True) == SIGNED_OUT:
            raise NotLoggedIn(hint=SIGNED_OUT_HINT)
        return
    stored = store.load()
    if stored is None:
        raise NotLoggedIn(hint=SIGNED_OUT_HINT)
    run_panel(server_url(server, stored=stored.server))
