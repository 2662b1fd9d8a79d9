"""The Typer app behind `streamfx`. Sub-apps import their heavy dependencies inside
commands; a plain `streamfx fire` does not even import this (see `main.run`)."""

from __future__ import annotations

from typing import Annotated

import typer

from .commands import (
    activity,
    agent,
    auth,
    brand_kit,
    data,
    doctor,
    effects,
    fire,
    obs,
    overlay,
    preview,
    rules,
    server,
    service,
    session,
    stop,
    up,
)
from .commands.plain_help import PlainHelpGroup

app = typer.Typer(
    name="streamfx",
    cls=PlainHelpGroup,
    help="Fire on-brand effects into OBS Studio, run the StreamFX server and its control panel.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            installed = version("streamfx")
        except PackageNotFoundError:  # run from a source tree that was never installed
            installed = "(version unknown: not installed)"
        print(f"streamfx {installed}")
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
doctor.register(app)
app.command()(fire.fire)
app.command()(stop.stop)
app.command()(preview.preview)
app.command()(data.export)
app.command("import")(data.import_)
app.command()(activity.activity)
app.command()(activity.replay)
app.add_typer(server.app, name="server")
app.add_typer(brand_kit.app, name="brand-kit")
app.add_typer(session.app, name="session")
app.add_typer(effects.app, name="effects")
app.add_typer(overlay.app, name="overlay")
app.add_typer(obs.app, name="obs")
app.add_typer(agent.app, name="agent")
app.add_typer(rules.app, name="rules")
app.add_typer(service.app, name="service")
up.register(app)  # `up` and `tui`: Textual is imported only when the panel opens
