"""`streamfx login`, `logout`, `whoami`."""

from __future__ import annotations

from typing import Annotated

import typer

from ..output import emit_json, say, warn
from .options import JsonFlag, PasswordStdin


def login(
    server: Annotated[
        str | None, typer.Option(help="Server URL, e.g. http://127.0.0.1:8420.")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Account email; asked for when missing.")
    ] = None,
    password_stdin: PasswordStdin = False,
    json_out: JsonFlag = False,
) -> None:
    """Sign in; the tokens go to the OS keyring. A wrong password typed here is asked again."""
    from ..config import server_url
    from ..sign_in import log_in_asking
    from .prompts import TerminalPrompt

    url = server_url(server)
    if not email:
        email = typer.prompt("Email")
    creator = log_in_asking(url, email, TerminalPrompt(password_stdin))
    if json_out:
        emit_json({**creator, "server": url})
        return
    say(f"Signed in as {creator['displayName']} <{creator['email']}> on {url}.")


def logout(json_out: JsonFlag = False) -> None:
    """Sign out here and end this sign-in on the server."""
    from ..sign_in import sign_out

    done = sign_out()
    if json_out:
        emit_json({"email": done.email, "server": done.server, "serverTold": done.server_told})
        return
    if done.email is None:
        say("You were not signed in.")
        return
    if not done.server_told:
        warn(
            f"could not reach {done.server}; signed out here only (the server forgets it when it expires)."
        )
    say(f"Signed out {done.email}.")


def whoami(json_out: JsonFlag = False) -> None:
    """Show the signed-in account."""
    from ..api import Api

    with Api.signed_in() as api:
        me = api.me()
        server = api.base_url
    if json_out:
        emit_json({**me, "server": server})
        return
    say(f"{me['displayName']} <{me['email']}> on {server} ({me['tier']} tier, {me['role']})")


def register(app: typer.Typer) -> None:
    app.command()(login)
    app.command()(logout)
    app.command()(whoami)
