"""`streamfx effects list|show|create|upload|delete`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from streamfx_wire.kinds import ASSET_KINDS, KINDS
from streamfx_wire.vocabulary import CATEGORIES

from ..output import emit_json, say
from .common import JsonFlag, ParamFlag, parse_duration_ms, parse_params

app = typer.Typer(help="The effects catalogue: built-ins and your own.", no_args_is_help=True)

# Kinds of effects made from parameters alone; the others come from an uploaded file.
_MADE_KINDS = [k for k in KINDS if k not in ASSET_KINDS]
_KIND_HELP = f"{', '.join(_MADE_KINDS[:-1])} or {_MADE_KINDS[-1]}."

EffectArg = Annotated[str, typer.Argument(metavar="EFFECT", help="Slug (e.g. banner) or id.")]


def _line(effect: dict[str, Any]) -> str:
    owner = "built-in" if effect.get("builtIn") else "yours"
    cooldown = f", cooldown {effect['cooldownMs'] / 1000:g}s" if effect.get("cooldownMs") else ""
    return (
        f"{effect['slug']:<16} {effect['kind']:<8} {effect['category']:<12} "
        f"{effect['durationMs'] / 1000:g}s{cooldown}  ({owner}, {effect['id']})"
    )


@app.command("list")
def list_effects(
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """List the effects you can fire."""
    from ..client import Client

    with Client() as client:
        effects = client.get("/api/effects", params={"category": category} if category else None)
    if json_out:
        emit_json(effects)
        return
    for effect in effects:
        say(_line(effect))
    if not effects:
        say("No effects match.")


@app.command()
def show(effect: EffectArg, json_out: JsonFlag = False) -> None:
    """Show one effect and its parameters."""
    from ..client import Client

    with Client() as client:
        found = client.get(f"/api/effects/{effect}")
    if json_out:
        emit_json(found)
        return
    say(_line(found))
    say(f"  name: {found['name']}")
    for key, value in sorted((found.get("params") or {}).items()):
        say(f"  {key}: {value}")


@app.command()
def create(
    name: Annotated[str, typer.Option(help="Display name; the slug is made from it.")],
    kind: Annotated[str, typer.Option(help=_KIND_HELP)],
    category: Annotated[str, typer.Option(help=f"{', '.join(CATEGORIES)}.")],
    duration: Annotated[str, typer.Option(help="How long it shows, e.g. 4s.")] = "3s",
    cooldown: Annotated[
        str, typer.Option(help="Minimum time between two firings, e.g. 10s.")
    ] = "0s",
    param: ParamFlag = None,
    json_out: JsonFlag = False,
) -> None:
    """Create your own effect from a kind and parameters."""
    from ..client import Client

    body = {
        "name": name,
        "kind": kind,
        "category": category,
        "durationMs": parse_duration_ms(duration),
        "cooldownMs": parse_duration_ms(cooldown),
        "params": parse_params(param),
    }
    with Client() as client:
        effect = client.post("/api/effects", json=body)
    emit_json(effect) if json_out else say(f"Created {effect['slug']} ({effect['id']}).")


@app.command()
def upload(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    name: Annotated[str, typer.Option(help="Display name of the new effect.")],
    category: Annotated[str, typer.Option(help="Effect category.")],
    kind: Annotated[
        str | None,
        typer.Option(help=f"{' or '.join(ASSET_KINDS)}; default: from the file's type."),
    ] = None,
    duration: Annotated[str, typer.Option(help="How long it shows, e.g. 5s.")] = "5s",
    json_out: JsonFlag = False,
) -> None:
    """Upload an image, video or sound as a new effect (creator tier and up)."""
    from ..client import Client
    from ..uploads import guess_kind, upload_with_progress

    with Client() as client:
        effect = upload_with_progress(
            client,
            file,
            fields={
                "name": name,
                "category": category,
                "kind": kind or guess_kind(file),
                "durationMs": str(parse_duration_ms(duration)),
            },
            quiet=json_out,
        )
    emit_json(effect) if json_out else say(
        f"Uploaded {file.name} as {effect['slug']} ({effect['id']})."
    )


@app.command()
def delete(effect: EffectArg) -> None:
    """Delete one of your own effects."""
    from ..client import Client

    with Client() as client:
        found = client.get(f"/api/effects/{effect}")
        client.delete(f"/api/effects/{found['id']}")
    say(f"Deleted {found['slug']}.")
