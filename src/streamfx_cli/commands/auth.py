"""`streamfx login`, `logout`, `whoami`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..output import emit_json, say, warn


def _read_password(from_stdin: bool) -> str:
    password = (
        sys.stdin.readline().rstrip("\r\n")
        if from_stdin
        else typer.prompt("Password", hide_input=True)
    )
    if not password:
        from ..errors import StreamFXError

        raise StreamFXError(
            "No password was given.", "Type it at the prompt or pipe it to --password-stdin."
        )
    return password


def login(
    server: Annotated[
        str | None, typer.Option(help="Server URL, e.g. http://127.0.0.1:8420.")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Account email; asked for when missing.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Sign in; the tokens go to the OS keyring."""
    from ..config import server_url
    from .up import sign_in

    url = server_url(server)
    if not email:
        email = typer.prompt("Email")
    password = _read_password(password_stdin)
    creator = sign_in(url, email, password)
    say(f"Signed in as {creator['displayName']} <{creator['email']}> on {url}.")


def logout() -> None:
    """Sign out here and end this sign-in on the server."""
    import httpx

    from ..credentials import CredentialStore

    store = CredentialStore()
    stored = store.load()
    if stored is None:
        say("You were not signed in.")
        return
    try:
        httpx.post(
            f"{stored.server}/api/auth/logout",
            json={"refreshToken": stored.refresh_token},
            timeout=5.0,
        )
    except httpx.TransportError:
        warn(
            f"could not reach {stored.server}; signed out here only (the server forgets it when it expires)."
        )
    store.clear()
    say(f"Signed out {stored.email}.")


def whoami(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the signed-in account."""
    from ..client import Client

    with Client() as client:
        me = client.get("/api/auth/me")
        server = client.base_url
    if json_out:
        emit_json({**me, "server": server})
        return
    say(f"{me['displayName']} <{me['email']}> on {server} ({me['tier']} tier, {me['role']})")


def register(app: typer.Typer) -> None:
    app.command()(login)
    app.command()(logout)
    app.command()(whoami)
