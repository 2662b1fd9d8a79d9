"""`streamfx preview EFFECT -o sheet.png`: see an effect without it going on air."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .options import JsonFlag, ParamFlag, ParamJsonFlag


def preview(
    effect: Annotated[
        str, typer.Argument(metavar="EFFECT", help="Effect slug (e.g. banner) or id.")
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Where to save the contact sheet (a PNG file)."),
    ],
    kit: Annotated[
        str | None,
        typer.Option("--kit", help="Brand kit name or id; default: the kit a fire would use now."),
    ] = None,
    param: ParamFlag = None,
    param_json: ParamJsonFlag = None,
    frames: Annotated[
        int, typer.Option("--frames", "-n", help="Frames across the effect (1..24).")
    ] = 6,
    overlay: Annotated[
        bool,
        typer.Option(
            "--overlay", help="Draw it with the overlay page in headless Chromium, not in OBS."
        ),
    ] = False,
    json_out: JsonFlag = False,
) -> None:
    """Draw an effect where viewers never see it and save its frames as one PNG.

    In OBS it is drawn on a private scene ("StreamFX Preview") that is never the
    program scene, even while live; nothing is recorded on the server.
    """
    from ..output import emit_json, say
    from ..previewing import PreviewArgs, run

    result = run(
        PreviewArgs(
            effect=effect,
            output=output,
            params=tuple(param or ()),
            json_params=tuple(param_json or ()),
            kit=kit,
            frames=frames,
            overlay=overlay,
        )
    )
    render = result.render
    if json_out:
        emit_json(
            {
                "output": str(result.output),
                "effect": render["effect"]["slug"],
                "kind": render["kind"],
                "frames": result.frames,
                "spanMs": result.span_ms,
                "drawnBy": result.drawn_by,
                "brandKitId": result.brand_kit_id,
                "render": render,
            }
        )
        return
    where = "the overlay page" if result.drawn_by == "overlay" else "OBS's private preview scene"
    say(
        f"Saved {result.frames} frames of {render['effect']['slug']} ({render['kind']}, "
        f"{result.span_ms / 1000:g}s) from {where} to {result.output}. Nothing went on air."
    )
