"""The `streamfx` command. Sub-apps import their heavy dependencies inside commands,
so `streamfx fire` from a hotkey pays only for what it uses."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .commands import auth, brand_kit, effects, fire, obs, overlay, server, session, up
from .errors import ExitCode, StreamFXError

app = typer.Typer(
    name="streamfx",
    help="Fire on-brand effects into OBS Studio, run the StreamFX server and its control panel.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from streamfx_server import __version__

        print(f"streamfx {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """StreamFX: a streamer's effects companion."""


auth.register(app)
app.command()(fire.fire)
app.add_typer(server.app, name="server")
app.add_typer(brand_kit.app, name="brand-kit")
app.add_typer(session.app, name="session")
app.add_typer(effects.app, name="effects")
app.add_typer(overlay.app, name="overlay")
app.add_typer(obs.app, name="obs")
up.register(app)  # `up` and `tui`: Textual is imported only when the panel opens


def run() -> None:
    from .output import error

    try:
        app()
    except StreamFXError as exc:
        error(exc.message, exc.hint)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        error("Interrupted.")
        sys.exit(130)
    except Exception as exc:  # a bug: one line for the user, not a traceback
        error(
            f"Unexpected {type(exc).__name__}: {exc}",
            "Please report this with the command you ran.",
        )
        sys.exit(ExitCode.ERROR)
