"""`streamfx activity` and `streamfx replay`: the history of a session, followed live if
asked, and firing one of its activations again (docs/CLI.md)."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from .options import JsonFlag


def activity(
    session: Annotated[
        str | None,
        typer.Option("--session", help="Session id; default: the live one, else the most recent."),
    ] = None,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow", "-f", help="Keep going: new activations and their deliveries as they come."
        ),
    ] = False,
    json_out: Annotated[
        bool,
        typer.Option("--json", help="Print a JSON array; with --follow, one JSON object per line."),
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="How many of the latest to show first.")
    ] = 50,
) -> None:
    """A session's activations: when, which effect, from where, and what viewers saw."""
    from ..activity import follow as follow_live
    from ..activity import show_once
    from ..api import Api

    try:
        with Api.signed_in() as api:
            if follow:
                follow_live(api, session, limit, json_out)
            else:
                show_once(api, session, limit, json_out)
    except KeyboardInterrupt:
        # Ctrl+C is how --follow ends: quietly, and successfully.
        raise typer.Exit(0) from None
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more to say to it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None


def replay(
    activation: Annotated[
        str, typer.Argument(metavar="ACTIVATION", help="The id of the activation to fire again.")
    ],
    no_obs: Annotated[
        bool, typer.Option("--no-obs", help="Only record it; do not draw in OBS.")
    ] = False,
    json_out: JsonFlag = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait", help="With an agent drawing: wait up to 3 s for the delivery, exit by it."
        ),
    ] = False,
) -> None:
    """Fire an activation again: the same effect and parameters, in the live session."""
    from ..firing import FireArgs, fire_again

    code = fire_again(
        activation, FireArgs(effect=activation, no_obs=no_obs, json_out=json_out, wait=wait)
    )
    if code:
        raise typer.Exit(code)
