"""`streamfx effects list|show|create|upload|delete`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from streamfx_wire.kinds import ASSET_KINDS, KINDS
from streamfx_wire.vocabulary import CATEGORIES

from ..output import emit_json, say
from .options import JsonFlag, ParamFlag

if TYPE_CHECKING:
    from ..api_types import Effect

app = typer.Typer(help="The effects catalogue: built-ins and your own.", no_args_is_help=True)

# Kinds of effects made from parameters alone; the others come from an uploaded file.
_MADE_KINDS = [k for k in KINDS if k not in ASSET_KINDS]
_KIND_HELP = f"{', '.join(_MADE_KINDS[:-1])} or {_MADE_KINDS[-1]}."

EffectArg = Annotated[str, typer.Argument(metavar="EFFECT", help="Slug (e.g. banner) or id.")]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$")


def parse_duration_ms(text: str) -> int:
    """'5s', '1500ms', '2m' or a bare number of seconds -> milliseconds."""
    from ..errors import StreamFXError

    match = _DURATION.match(text)
    if not match:
        raise StreamFXError(f"{text!r} is not a duration.", "Write it like 5s, 1500ms or 2m.")
    value, unit = float(match.group(1)), match.group(2) or "s"
    return int(value * {"ms": 1, "s": 1000, "m": 60_000}[unit])


def _line(effect: Effect) -> str:
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
    from ..api import Api

    with Api.signed_in() as api:
        effects = api.effects(category)
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
    from ..api import Api

    with Api.signed_in() as api:
        found = api.effect(effect)
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
    from ..api import Api
    from ..api_types import EffectDraft
    from ..firing import parse_params

    draft = EffectDraft(
        name=name,
        kind=kind,
        category=category,
        durationMs=parse_duration_ms(duration),
        cooldownMs=parse_duration_ms(cooldown),
        params=parse_params(param),
    )
    with Api.signed_in() as api:
        effect = api.create_effect(draft)
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
    from ..api import Api
    from ..uploads import guess_kind, upload_with_progress

    with Api.signed_in() as api:
        effect = upload_with_progress(
            api,
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
    from ..api import Api

    with Api.signed_in() as api:
        found = api.effect(effect)
        api.delete_effect(found["id"])
    say(f"Deleted {found['slug']}.")
