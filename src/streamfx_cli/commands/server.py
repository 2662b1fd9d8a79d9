"""`streamfx server run|init|status|accounts`: the bundled server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..output import emit_json, say, warn
from .options import JsonFlag

if TYPE_CHECKING:
    from ..background_server import ServerState

app = typer.Typer(help="Run and manage the bundled StreamFX server.", no_args_is_help=True)
accounts = typer.Typer(
    help="Owner's tools that work on the local database directly.", no_args_is_help=True
)
app.add_typer(accounts, name="accounts")

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Folder for the database, signing key and assets.", file_okay=False
    ),
]


def _data_dir(given: Path | None) -> Path:
    """--data-dir, else STREAMFX_DATA_DIR, else the user data folder (as the server reads it)."""
    import os

    from ..paths import data_dir

    env = os.environ.get("STREAMFX_DATA_DIR")
    return (given or (Path(env) if env else None) or data_dir()).expanduser().resolve()


@app.command()
def run(
    host: Annotated[
        str | None,
        typer.Option(
            help="Address to bind (default 127.0.0.1, or STREAMFX_HOST); anything but "
            "loopback is reachable from the network."
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Port to listen on (default 8420, or STREAMFX_PORT)."),
    ] = None,
    data_dir: DataDir = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            metavar="URL",
            help="The address viewers' browsers and OBS use, when a reverse proxy is in front "
            "(overlay URLs are built on it; default: STREAMFX_PUBLIC_URL, else where it listens).",
        ),
    ] = None,
    allow_signup: Annotated[
        bool, typer.Option("--allow-signup", help="Let anyone create an account.")
    ] = False,
    allowed_host: Annotated[
        list[str] | None, typer.Option("--allowed-host", help="Extra Host name to answer to.")
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    docs: Annotated[
        bool,
        typer.Option(
            "--docs",
            help="Serve the API's Swagger UI at /docs (its scripts come from a public CDN).",
        ),
    ] = False,
    max_connections: Annotated[
        int,
        typer.Option(
            min=10, help="Open connections (overlays included) before new requests get 503."
        ),
    ] = 1000,
    header_timeout: Annotated[
        float, typer.Option(min=0.5, help="Seconds a client has to send a request's headers.")
    ] = 10.0,
    body_timeout: Annotated[
        float,
        typer.Option(
            min=0.5, help="Seconds a request body may stall before the connection closes."
        ),
    ] = 15.0,
    signups_per_hour: Annotated[
        int,
        typer.Option(
            min=1, help="Sign-ups one client address may attempt per hour (with --allow-signup)."
        ),
    ] = 10,
) -> None:
    """Start the server in the foreground.

    (Long only because each of the server's options is declared here, one Typer
    parameter each; the body just builds Settings and serves.)
    """
    from streamfx_server.infra.settings import Settings, is_loopback, public_url_checked
    from streamfx_server.server_runner import serve

    from ..errors import BadArgument

    try:
        settings = Settings.from_env(
            _data_dir(data_dir),
            host=host,
            port=port,
            public_url=public_url_checked(public_url) if public_url else None,
            allow_signup=allow_signup,
            allowed_hosts=tuple(allowed_host or ()),
            docs=docs,
            max_connections=max_connections,
            header_timeout=header_timeout,
            body_idle_timeout=body_timeout,
            signups_per_hour=signups_per_hour,
        )
    except ValueError as exc:  # names the flag or environment variable
        raise BadArgument(str(exc), "Fix it, or leave it out to use the default.") from None
    if not is_loopback(settings.host):
        warn(
            f"binding to {settings.host}: anyone who can reach this machine on port "
            f"{settings.port} can reach StreamFX."
        )
    serve(settings, log_level=log_level)


@app.command()
def init(data_dir: DataDir = None, json_out: JsonFlag = False) -> None:
    """Create the data folder, database and signing key without starting the server."""
    from streamfx_server.app import build_state
    from streamfx_server.infra.settings import Settings

    state = build_state(Settings(data_dir=_data_dir(data_dir)))
    state.db.close()
    if json_out:
        emit_json({"dataDir": str(state.settings.data_dir)})
    else:
        say(f"Data folder ready: {state.settings.data_dir}")


ServerOpt = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="Server URL; default: the one `streamfx up` started, else the configured one.",
    ),
]


def _state_json(state: ServerState) -> dict[str, object]:
    version = state.health.get("version") if state.health else None
    return {"server": state.url, "up": state.up, "version": version, "pid": state.pid}


@app.command()
def status(server: ServerOpt = None, json_out: JsonFlag = False) -> None:
    """Say whether the server is up (exit 4 when it is not)."""
    from ..background_server import server_state
    from ..client import unreachable
    from ..config import server_url

    state = server_state(server_url(server) if server else None)
    if json_out:
        emit_json(_state_json(state))
    if not state.up:
        raise unreachable(state.url)
    if json_out:
        return
    assert state.health is not None
    say(f"StreamFX {state.health.get('version')} is up at {state.url}.")
    if state.pid is not None:
        say(
            f"`streamfx up` started it in the background (pid {state.pid}); `streamfx server stop` stops it."
        )
    else:
        say("It was not started by `streamfx up`: stop it with Ctrl+C where it runs.")


@accounts.command("list")
def list_accounts(data_dir: DataDir = None, json_out: JsonFlag = False) -> None:
    """List every account."""
    from streamfx_server import accounts as store

    db = _open_db(data_dir)
    rows = store.list_accounts(db)
    if json_out:
        emit_json([r.model_dump(by_alias=True) for r in rows])
        return
    for row in rows:
        say(f"{row.email}\t{row.tier}\t{row.role}\t{row.display_name}")
    if not rows:
        say("No accounts yet.")


@accounts.command("set-tier")
def set_tier(email: str, tier: str, data_dir: DataDir = None, json_out: JsonFlag = False) -> None:
    """Change an account's subscription tier."""
    from streamfx_server import accounts as store

    from ..errors import BadArgument, Refused

    db = _open_db(data_dir)
    try:
        row = store.set_tier(db, email, tier)
    except ValueError as exc:  # not a tier: usage, like a choice not among the choices
        raise BadArgument(str(exc)) from None
    except LookupError as exc:
        raise Refused(str(exc), "See `streamfx server accounts list`.") from None
    if json_out:
        emit_json(row.model_dump(by_alias=True))
    else:
        say(f"{row.email} is now on the {row.tier} tier.")


def _open_db(data_dir: Path | None):
    from streamfx_server.infra.db import Database

    from ..errors import StreamFXError

    path = _data_dir(data_dir) / "streamfx.db"
    if not path.exists():
        raise StreamFXError(
            f"No StreamFX database at {path}.", "Pass --data-dir or run `streamfx server init`."
        )
    db = Database(path)
    db.migrate()
    return db


@app.command()
def stop(server: ServerOpt = None, json_out: JsonFlag = False) -> None:
    """Stop the server that `streamfx up` started in the background."""
    from ..background_server import stop as stop_background_server
    from ..config import server_url

    stopped, message = stop_background_server(server_url(server) if server else None)
    emit_json({"stopped": stopped, "message": message}) if json_out else say(message)
