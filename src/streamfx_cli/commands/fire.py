"""`streamfx fire EFFECT`: the Typer face of `streamfx_cli.firing`.

A plain `streamfx fire …` never reaches this module: `main.run` parses it
itself and calls `firing.fire_effect` without importing Typer (a hotkey pays
for every import). Help, completion and anything unusual come here and end
up in the same `fire_effect`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .options import JsonFlag, ParamFlag, ParamJsonFlag


def fire(
    effect: Annotated[
        str, typer.Argument(metavar="EFFECT", help="Effect slug (e.g. banner) or id.")
    ],
    session: Annotated[
        str | None, typer.Option("--session", help="Session id; default: the live one.")
    ] = None,
    param: ParamFlag = None,
    param_json: ParamJsonFlag = None,
    source: Annotated[
        str, typer.Option(help="Recorded as the trigger's source: cli or hotkey.")
    ] = "cli",
    no_obs: Annotated[
        bool, typer.Option("--no-obs", help="Only record the trigger; do not draw in OBS.")
    ] = False,
    json_out: JsonFlag = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="With an agent drawing: wait up to 3 s for the delivery and exit by it "
            "(0 shown; 8 hidden, failed, expired).",
        ),
    ] = False,
) -> None:
    """Fire an effect: record it on the server, then show it in OBS."""
    from ..firing import FireArgs, fire_effect

    code = fire_effect(
        FireArgs(
            effect=effect,
            session=session,
            params=tuple(param or ()),
            json_params=tuple(param_json or ()),
            source=source,
            no_obs=no_obs,
            json_out=json_out,
            wait=wait,
        )
    )
    if code:
        raise typer.Exit(code)
