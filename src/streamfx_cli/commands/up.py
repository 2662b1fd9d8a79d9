"""`streamfx up` and `streamfx tui`: the control panel, and everything it needs first.

`up` makes sure a server answers (starting the bundled one in the background
when the URL is local: `background_server`), that this computer is signed in
(creating the owner's account on a fresh server: `sign_in`), then opens the
panel. Textual is imported only when the panel opens.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ..output import say
from .options import PasswordStdin

ServerOpt = Annotated[
    str | None, typer.Option("--server", help="Server URL; default: the saved one, or the local.")
]


def up(
    server: ServerOpt = None,
    email: Annotated[
        str | None, typer.Option(help="Account email, when a sign-in is needed.")
    ] = None,
    password_stdin: PasswordStdin = False,
    no_agent: Annotated[
        bool,
        typer.Option("--no-agent", help="Do not start the OBS agent; the panel draws by itself."),
    ] = False,
) -> None:
    """Start the server if it is not running, sign in (first run: create your account), start
    the OBS agent, open the panel."""
    from ..background_server import ensure_running
    from ..config import server_url
    from ..sign_in import set_up_account
    from ..tui import run_panel
    from .prompts import TerminalPrompt

    url = server_url(server)
    ensure_running(url, tell=say)
    set_up_account(url, TerminalPrompt(password_stdin), email)
    if not no_agent:
        _start_agent()
    run_panel(url)


def _start_agent() -> None:
    """The agent draws what is fired from anywhere; without it the panel still draws its own."""
    from ..agent import background
    from ..errors import StreamFXError
    from ..output import warn

    try:
        state = background.start()
    except StreamFXError as exc:
        warn(f"the OBS agent did not start ({exc.message}); the panel draws by itself.")
        return
    say(f"OBS agent {state.get('agentId')} running ({state.get('state')}).")


def tui(server: ServerOpt = None) -> None:
    """Open the live control panel (sign in first with `streamfx login`, or use `streamfx up`)."""
    from ..panel_start import open_panel

    open_panel(server)


def register(app: typer.Typer) -> None:
    app.command()(up)
    app.command()(tui)
