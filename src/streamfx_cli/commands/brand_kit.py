"""`streamfx brand-kit create|update|get|list|use|delete`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import BadArgument
from ..field_flags import flags_named
from ..kit_names import kit_id_of
from ..output import emit_json, say
from .options import JsonFlag

if TYPE_CHECKING:
    from ..api_types import BrandKit

app = typer.Typer(
    help="Brand kits: palette, fonts, motion intensity, allowed effect categories.",
    no_args_is_help=True,
)

Colour = Annotated[str | None, typer.Option(help="#RRGGBB")]
KitArg = Annotated[str, typer.Argument(metavar="KIT", help="The kit's name or id (bk_…).")]

# The API's fields, as the flags that set them: a refusal names what was typed.
KIT_FLAGS = {
    "name": "--name",
    "colorPalette.primary": "--primary",
    "colorPalette.secondary": "--secondary",
    "colorPalette.accent": "--accent",
    "colorPalette.background": "--background",
    "colorPalette.text": "--text",
    "typography.headingFont": "--heading-font",
    "typography.bodyFont": "--body-font",
    "typography.baseSize": "--base-size",
    "motionIntensity": "--motion",
    "allowedCategories": "--allow",
}


def _kit_body(
    name,
    primary,
    secondary,
    accent,
    background,
    text,
    heading_font,
    body_font,
    base_size,
    motion,
    allow,
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = name
    palette = _given(
        primary=primary, secondary=secondary, accent=accent, background=background, text=text
    )
    if palette:
        body["colorPalette"] = palette
    typography = _given(headingFont=heading_font, bodyFont=body_font, baseSize=base_size)
    if typography:
        body["typography"] = typography
    if motion is not None:
        body["motionIntensity"] = motion
    if allow:
        body["allowedCategories"] = allow
    return body


def _given(**fields: Any) -> dict[str, Any]:
    """The options the user gave: an update changes only those."""
    return {key: value for key, value in fields.items() if value is not None}


def _given_in(body: dict[str, Any], field: str) -> bool:
    """Whether `field` (`colorPalette.primary`) is in `body`."""
    head, _, rest = field.partition(".")
    value = body.get(head)
    return value is not None and (not rest or (isinstance(value, dict) and rest in value))


def _read_file(path: Path) -> dict[str, Any]:
    """A `--from-file` that cannot be read or is no kit is bad usage (exit 2), as for import."""
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise BadArgument(f"Cannot read {path}: {exc.strerror}.") from None
    except ValueError as exc:
        raise BadArgument(
            f"{path} is not valid JSON ({exc}).", "Check the file with `python -m json.tool`."
        ) from None
    if not isinstance(data, dict):
        raise BadArgument(f"{path} must hold one JSON object.")
    return data


def _show(kit: BrandKit, active_id: str | None = None) -> None:
    palette = kit.get("colorPalette", {})
    typo = kit.get("typography", {})
    marker = " (active)" if kit["id"] == active_id else ""
    say(f"{kit['id']}  {kit['name']}{marker}")
    say("  colours: " + "  ".join(f"{k}={v}" for k, v in palette.items()))
    say(f"  fonts:   {typo.get('headingFont')} / {typo.get('bodyFont')}, {typo.get('baseSize')}px")
    from ..kit_fonts import kit_fonts

    for font in kit_fonts(typo):
        if font.choice.fallback or not font.choice.checked:
            say(f"           {font.line()} on this computer")
    say(
        f"  motion:  {kit.get('motionIntensity')}   allowed: {', '.join(kit.get('allowedCategories', []))}"
    )


Name = Annotated[str | None, typer.Option(help="1-80 characters.")]
HeadingFont = Annotated[str | None, typer.Option("--heading-font")]
BodyFont = Annotated[str | None, typer.Option("--body-font")]
BaseSize = Annotated[int | None, typer.Option("--base-size", help="Base text size in px.")]
Motion = Annotated[int | None, typer.Option("--motion", help="Motion intensity 1..5.")]
Allow = Annotated[
    list[str] | None, typer.Option("--allow", help="Allowed effect category; repeat for more.")
]


@app.command()
def create(
    name: Name = None,
    primary: Colour = None,
    secondary: Colour = None,
    accent: Colour = None,
    background: Colour = None,
    text: Colour = None,
    heading_font: HeadingFont = None,
    body_font: BodyFont = None,
    base_size: BaseSize = None,
    motion: Motion = None,
    allow: Allow = None,
    from_file: Annotated[
        Path | None, typer.Option("--from-file", help="A JSON brand kit; flags override it.")
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Create a brand kit from flags or a JSON file."""
    from ..api import Api

    body = _read_file(from_file) if from_file else {}
    flags = _kit_body(
        name,
        primary,
        secondary,
        accent,
        background,
        text,
        heading_font,
        body_font,
        base_size,
        motion,
        allow,
    )
    for key, value in flags.items():
        body[key] = {**body.get(key, {}), **value} if isinstance(value, dict) else value
    if "name" not in body:
        raise BadArgument("A brand kit needs a name.", 'Pass --name or put "name" in the file.')
    # What came from the file keeps the file's names for it.
    typed = {
        field: flag for field, flag in KIT_FLAGS.items() if not from_file or _given_in(flags, field)
    }
    with Api.signed_in() as api, flags_named(typed):
        kit = api.create_brand_kit(body)
    emit_json(kit) if json_out else _show(kit)


@app.command()
def update(
    kit_ref: KitArg,
    name: Name = None,
    primary: Colour = None,
    secondary: Colour = None,
    accent: Colour = None,
    background: Colour = None,
    text: Colour = None,
    heading_font: HeadingFont = None,
    body_font: BodyFont = None,
    base_size: BaseSize = None,
    motion: Motion = None,
    allow: Allow = None,
    json_out: JsonFlag = False,
) -> None:
    """Change some fields of a brand kit; the rest stay as they are."""
    from ..api import Api

    body = _kit_body(
        name,
        primary,
        secondary,
        accent,
        background,
        text,
        heading_font,
        body_font,
        base_size,
        motion,
        allow,
    )
    if not body:
        raise BadArgument("Nothing to update.", "Pass at least one flag, e.g. --primary '#7B2FF7'.")
    with Api.signed_in() as api:
        kit_id = kit_id_of(api, kit_ref)
        with flags_named(KIT_FLAGS):
            kit = api.update_brand_kit(kit_id, body)
    emit_json(kit) if json_out else _show(kit)


@app.command()
def get(kit_ref: KitArg, json_out: JsonFlag = False) -> None:
    """Show one brand kit."""
    from ..api import Api

    with Api.signed_in() as api:
        kit = api.brand_kit(kit_id_of(api, kit_ref))
    emit_json(kit) if json_out else _show(kit)


@app.command("list")
def list_kits(json_out: JsonFlag = False) -> None:
    """List your brand kits; the active one is marked."""
    from ..api import Api

    with Api.signed_in() as api:
        kits = api.brand_kits()
        active = api.me().get("settings", {}).get("activeBrandKitId")
    if json_out:
        emit_json(kits)
        return
    if not kits:
        say("No brand kits yet. Create one with `streamfx brand-kit create --name NAME`.")
    for kit in kits:
        _show(kit, active)


@app.command()
def use(kit_ref: KitArg, json_out: JsonFlag = False) -> None:
    """Make a brand kit your active one (used when a session has none)."""
    from ..api import Api

    with Api.signed_in() as api:
        kit = api.brand_kit(kit_id_of(api, kit_ref))  # 404s before we store a dangling id
        api.set_active_kit(kit["id"])
    emit_json(kit) if json_out else say(f"Active brand kit: {kit['name']} ({kit['id']}).")


@app.command()
def delete(kit_ref: KitArg, json_out: JsonFlag = False) -> None:
    """Delete a brand kit."""
    from ..api import Api

    with Api.signed_in() as api:
        kit_id = kit_id_of(api, kit_ref)
        api.delete_brand_kit(kit_id)
    if json_out:
        emit_json({"id": kit_id, "deleted": True})
    else:
        say(f"Deleted brand kit {kit_id}.")
