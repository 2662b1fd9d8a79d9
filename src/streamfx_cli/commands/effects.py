"""`streamfx effects list|show|create|update|upload|delete`."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from streamfx_wire.kinds import ASSET_KINDS, KIND_SPECS, KINDS
from streamfx_wire.vocabulary import CATEGORIES, QUEUE_MODES

from ..errors import BadArgument
from ..output import emit_json, say
from .options import JsonFlag, ParamFlag, ParamJsonFlag

if TYPE_CHECKING:
    from ..api_types import Effect, EffectChanges

app = typer.Typer(help="The effects catalogue: built-ins and your own.", no_args_is_help=True)

# Kinds of effects made from parameters alone; the others come from an uploaded file.
_MADE_KINDS = [k for k in KINDS if k not in ASSET_KINDS]
_KIND_HELP = f"{', '.join(_MADE_KINDS[:-1])} or {_MADE_KINDS[-1]}."

EffectArg = Annotated[str, typer.Argument(metavar="EFFECT", help="Slug (e.g. banner) or id.")]

# docs/AGENT.md "Lanes": what an effect does when its lane is busy, and how late it may be.
# An Enum so that Typer lists the choices and refuses others as a usage error (exit 2).
QueueModeChoice = Enum("QueueModeChoice", {mode: mode for mode in QUEUE_MODES}, type=str)  # type: ignore[misc]
QueueModeFlag = Annotated[
    QueueModeChoice | None,
    typer.Option(
        "--queue-mode",
        help="When its lane is busy: queue (wait its turn), replace (end what is showing) "
        "or skip (drop it). Default: queue.",
    ),
]
MaxDelayFlag = Annotated[
    str | None,
    typer.Option(
        "--max-delay",
        help="How late it may still be drawn, e.g. 5s; later it is recorded expired. Default: 5s.",
    ),
]

# The API's fields, as the flags of `create`, `update` and `upload` that set them
# (`params.NAME` is `--param NAME`).
EFFECT_FLAGS = {
    "name": "--name",
    "kind": "--kind",
    "category": "--category",
    "durationMs": "--duration",
    "cooldownMs": "--cooldown",
    "queueMode": "--queue-mode",
    "maxDelayMs": "--max-delay",
    "params": "--param",
}
_IN_MS = {field: " (in milliseconds)" for field in ("durationMs", "cooldownMs", "maxDelayMs")}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def parse_duration_ms(text: str) -> int:
    """'5s', '1500ms', '2m', '1h' or a bare number of seconds -> milliseconds."""
    match = _DURATION.match(text)
    if not match:
        raise BadArgument(f"{text!r} is not a duration.", "Write it like 5s, 1500ms or 2m.")
    value, unit = float(match.group(1)), match.group(2) or "s"
    return int(value * {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}[unit])


KeyFlag = Annotated[
    int | None,
    typer.Option(
        "--key",
        min=0,
        max=9,
        help="The panel's number key (1-9) that fires it; a key another effect holds "
        "moves here. 0 frees its key.",
    ),
]


def _key_words(effect: Effect) -> str:
    """'key 5' or 'no key' (docs/PANEL.md "Keys"); '' from a server older than keys."""
    if "key" not in effect:
        return ""
    return "no key" if effect["key"] is None else f"key {effect['key']}"


_ROW = "{:<4} {:<16} {:<8} {:<12} {:<9} {:<9} {:<9} {}"
_HEADER = _ROW.format("KEY", "EFFECT", "KIND", "CATEGORY", "DURATION", "COOLDOWN", "OWNER", "ID")


def _line(effect: Effect) -> str:
    """One row of `effects list`, under `_HEADER`."""
    key = effect.get("key")
    return _ROW.format(
        "-" if key is None else key,
        effect["slug"],
        effect["kind"],
        effect["category"],
        f"{effect['durationMs'] / 1000:g}s",
        f"{effect.get('cooldownMs', 0) / 1000:g}s",
        "built-in" if effect.get("builtIn") else "yours",
        effect["id"],
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
    if not effects:
        say("No effects match.")
        return
    say(_HEADER)
    for effect in effects:
        say(_line(effect))


@app.command()
def show(effect: EffectArg, json_out: JsonFlag = False) -> None:
    """Show one effect and its parameters."""
    from ..api import Api

    with Api.signed_in() as api:
        found = api.effect(effect)
    if json_out:
        emit_json(found)
        return
    say(_HEADER)
    say(_line(found))
    say(f"  name: {found['name']}")
    lane = KIND_SPECS[found["kind"]].lane if found["kind"] in KIND_SPECS else None
    say(f"  lane: {lane or 'none'}")
    if "queueMode" in found:  # servers older than lanes do not send them
        say(f"  queue mode: {found['queueMode']}")
    if "maxDelayMs" in found:
        say(f"  max delay: {found['maxDelayMs'] / 1000:g}s")
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
    param_json: ParamJsonFlag = None,
    queue_mode: QueueModeFlag = None,
    max_delay: MaxDelayFlag = None,
    json_out: JsonFlag = False,
) -> None:
    """Create your own effect from a kind and parameters."""
    from ..api import Api
    from ..api_types import EffectDraft
    from ..field_flags import flags_named
    from ..firing import parse_params

    draft = EffectDraft(
        name=name,
        kind=kind,
        category=category,
        durationMs=parse_duration_ms(duration),
        cooldownMs=parse_duration_ms(cooldown),
        params=parse_params(param, param_json),
    )
    if queue_mode is not None:
        draft["queueMode"] = queue_mode.value
    if max_delay is not None:
        draft["maxDelayMs"] = parse_duration_ms(max_delay)
    with Api.signed_in() as api, flags_named(EFFECT_FLAGS, units=_IN_MS):
        effect = api.create_effect(draft)
    if json_out:
        emit_json(effect)
        return
    key = _key_words(effect)
    say(f"Created {effect['slug']} ({effect['id']}){', on ' + key if key else ''}.")


@app.command()
def update(
    effect: EffectArg,
    name: Annotated[str | None, typer.Option(help="New display name; the slug follows it.")] = None,
    duration: Annotated[str | None, typer.Option(help="How long it shows, e.g. 4s.")] = None,
    cooldown: Annotated[
        str | None, typer.Option(help="Minimum time between two firings, e.g. 10s.")
    ] = None,
    queue_mode: QueueModeFlag = None,
    max_delay: MaxDelayFlag = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="key=value; replaces all stored parameters with those given.",
        ),
    ] = None,
    param_json: ParamJsonFlag = None,
    key: KeyFlag = None,
    json_out: JsonFlag = False,
) -> None:
    """Change one of your own effects: only the options given. --key works on built-ins
    too: your keys are your own."""
    from ..api import Api
    from ..field_flags import flags_named
    from ..firing import parse_params

    changes: EffectChanges = {}
    if name is not None:
        changes["name"] = name
    if duration is not None:
        changes["durationMs"] = parse_duration_ms(duration)
    if cooldown is not None:
        changes["cooldownMs"] = parse_duration_ms(cooldown)
    if queue_mode is not None:
        changes["queueMode"] = queue_mode.value
    if max_delay is not None:
        changes["maxDelayMs"] = parse_duration_ms(max_delay)
    if param or param_json:
        changes["params"] = parse_params(param, param_json)
    if not changes and key is None:
        raise BadArgument(
            "Nothing to change.",
            "Give at least one of --name, --duration, --cooldown, --queue-mode, "
            "--max-delay, --param, --param-json or --key.",
        )
    moved: Effect | None = None
    with Api.signed_in() as api, flags_named(EFFECT_FLAGS, units=_IN_MS):
        if changes:
            updated = api.update_effect(effect, changes)
            effect = updated["id"]
        if key is not None:
            answer = api.set_effect_key(effect, key or None)
            updated, moved = answer["effect"], answer.get("movedFrom")
    if json_out:
        # The effect; with --key, also the effect that held the key until now (or null).
        emit_json({**updated, "movedFrom": moved} if key is not None else updated)
        return
    say(f"Updated {updated['slug']} ({updated['id']}).")
    if changes:
        say(f"  {_settings(updated)}")
    if key is not None:
        say(f"  {_key_change(updated, moved)}")


def _key_change(effect: Effect, moved: Effect | None) -> str:
    if effect.get("key") is None:
        return "no key now: press its tile or use ctrl+p in the panel to fire it."
    line = f"key {effect['key']} fires it in the panel"
    if moved is not None:
        line += f"; the key moved from {moved['name']} ({moved['slug']}), which has no key now"
    return line + "."


def _settings(effect: Effect) -> str:
    parts = [f"duration {effect['durationMs'] / 1000:g}s"]
    parts.append(f"cooldown {effect['cooldownMs'] / 1000:g}s")
    if "queueMode" in effect:
        parts.append(f"queue mode {effect['queueMode']}")
    if "maxDelayMs" in effect:
        parts.append(f"max delay {effect['maxDelayMs'] / 1000:g}s")
    return ", ".join(parts)


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
    queue_mode: QueueModeFlag = None,
    max_delay: MaxDelayFlag = None,
    json_out: JsonFlag = False,
) -> None:
    """Upload an image, video or sound as a new effect (creator tier and up)."""
    from ..api import Api
    from ..uploads import guess_kind, upload_with_progress

    fields = {
        "name": name,
        "category": category,
        "kind": kind or guess_kind(file),
        "durationMs": str(parse_duration_ms(duration)),
    }
    if queue_mode is not None:
        fields["queueMode"] = queue_mode.value
    if max_delay is not None:
        fields["maxDelayMs"] = str(parse_duration_ms(max_delay))
    from ..field_flags import flags_named

    with Api.signed_in() as api, flags_named(EFFECT_FLAGS, units=_IN_MS):
        effect = upload_with_progress(api, file, fields=fields, quiet=json_out)
    emit_json(effect) if json_out else say(
        f"Uploaded {file.name} as {effect['slug']} ({effect['id']})."
    )


@app.command()
def delete(effect: EffectArg, json_out: JsonFlag = False) -> None:
    """Delete one of your own effects."""
    from ..api import Api

    with Api.signed_in() as api:
        found = api.effect(effect)
        api.delete_effect(found["id"])
    if json_out:
        emit_json({"id": found["id"], "slug": found["slug"], "deleted": True})
    else:
        say(f"Deleted {found['slug']}.")
