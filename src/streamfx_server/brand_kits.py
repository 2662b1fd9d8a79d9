"""Brand kits: request and response models, defaults, and the SQL that stores them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator

from streamfx_wire.vocabulary import (
    CATEGORIES,
    DEFAULT_MOTION_INTENSITY,
    DEFAULT_PALETTE,
    DEFAULT_TYPOGRAPHY,
    Category,
)

from .catalog import check_font, check_hex
from .errors import not_found
from .infra.ids import iso, new_id
from .render import Brand
from .schemas import ApiModel
from .tiers import check_brand_kit_room


def _check_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Hex = Annotated[str, Field(max_length=7, examples=["#7B2FF7"]), AfterValidator(check_hex)]
FontName = Annotated[str, Field(max_length=64, examples=["Inter"]), AfterValidator(check_font)]
BaseSize = Annotated[int, Field(ge=8, le=200, description="Base font size in px.")]
Motion = Annotated[int, Field(ge=1, le=5, description="1 calm .. 5 wild.")]
KitName = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_check_name)]
Categories = Annotated[list[Category], Field(max_length=len(CATEGORIES) * 2)]


class _NoNulls(ApiModel):
    """Omitted means "keep" (or "default"); an explicit null is a mistake worth reporting."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null; leave the field out to keep it")
        return value


class PalettePatch(_NoNulls):
    primary: Hex | None = None
    secondary: Hex | None = None
    accent: Hex | None = None
    background: Hex | None = None
    text: Hex | None = None


class TypographyPatch(_NoNulls):
    heading_font: FontName | None = None
    body_font: FontName | None = None
    base_size: BaseSize | None = None


class Palette(ApiModel):
    primary: Hex
    secondary: Hex
    accent: Hex
    background: Hex
    text: Hex


class Typography(ApiModel):
    heading_font: FontName
    body_font: FontName
    base_size: BaseSize


class BrandKitCreate(ApiModel):
    """A new kit; omitted colours, fonts and categories take the StreamFX defaults."""

    name: KitName
    color_palette: PalettePatch = Field(default_factory=PalettePatch)
    typography: TypographyPatch = Field(default_factory=TypographyPatch)
    motion_intensity: Motion = DEFAULT_MOTION_INTENSITY
    allowed_categories: Categories = Field(default_factory=lambda: list(CATEGORIES))


class BrandKitUpdate(_NoNulls):
    """Only the fields given change; nested colours and fonts change one by one."""

    name: KitName | None = None
    color_palette: PalettePatch | None = None
    typography: TypographyPatch | None = None
    motion_intensity: Motion | None = None
    allowed_categories: Categories | None = None


class BrandKitOut(ApiModel):
    id: str
    name: str
    color_palette: Palette
    typography: Typography
    motion_intensity: int
    allowed_categories: list[str]
    created_at: str
    updated_at: str


def canonical_categories(categories: list[str]) -> list[str]:
    """Deduplicated, in the order of CATEGORIES, so equal sets compare equal."""
    chosen = set(categories)
    return [c for c in CATEGORIES if c in chosen]


def _merged(base: Mapping[str, Any], patch: ApiModel | None) -> dict[str, Any]:
    if patch is None:
        return dict(base)
    return {**base, **patch.model_dump(by_alias=True, exclude_unset=True)}


def new_kit_values(body: BrandKitCreate) -> dict[str, Any]:
    """Column values for a new kit (JSON columns as Python objects)."""
    return {
        "name": body.name,
        "color_palette": _merged(DEFAULT_PALETTE, body.color_palette),
        "typography": _merged(DEFAULT_TYPOGRAPHY, body.typography),
        "motion_intensity": body.motion_intensity,
        "allowed_categories": canonical_categories(list(body.allowed_categories)),
    }


def updated_kit_values(current: BrandKitOut, patch: BrandKitUpdate) -> dict[str, Any]:
    now = current.model_dump(by_alias=True)
    return {
        "name": patch.name if patch.name is not None else current.name,
        "color_palette": _merged(now["colorPalette"], patch.color_palette),
        "typography": _merged(now["typography"], patch.typography),
        "motion_intensity": patch.motion_intensity or current.motion_intensity,
        "allowed_categories": canonical_categories(
            list(patch.allowed_categories)
            if patch.allowed_categories is not None
            else current.allowed_categories
        ),
    }


def kit_out(row: sqlite3.Row) -> BrandKitOut:
    return BrandKitOut(
        id=row["id"],
        name=row["name"],
        color_palette=Palette.model_validate(json.loads(row["color_palette"])),
        typography=Typography.model_validate(json.loads(row["typography"])),
        motion_intensity=row["motion_intensity"],
        allowed_categories=json.loads(row["allowed_categories"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def brand_of(kit: BrandKitOut) -> Brand:
    return Brand(
        palette=kit.color_palette.model_dump(),
        heading_font=kit.typography.heading_font,
        body_font=kit.typography.body_font,
        base_size=kit.typography.base_size,
        motion_intensity=kit.motion_intensity,
    )


# -- Storage --------------------------------------------------------------------------
# Each function runs inside the caller's transaction (`Database.write()`), and sees only
# the creator's own kits: another creator's kit is "not found", never "forbidden".


def _columns(values: dict[str, Any]) -> tuple[Any, ...]:
    return (
        values["name"],
        json.dumps(values["color_palette"]),
        json.dumps(values["typography"]),
        values["motion_intensity"],
        json.dumps(values["allowed_categories"]),
    )


def get(conn: sqlite3.Connection, creator_id: str, kit_id: str) -> BrandKitOut:
    row = conn.execute(
        "SELECT * FROM brand_kits WHERE id = ? AND creator_id = ?", (kit_id, creator_id)
    ).fetchone()
    if row is None:
        raise not_found("brand kit")
    return kit_out(row)


def exists(conn: sqlite3.Connection, creator_id: str, kit_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM brand_kits WHERE id = ? AND creator_id = ?", (kit_id, creator_id)
    ).fetchone()
    return row is not None


def listing(conn: sqlite3.Connection, creator_id: str) -> list[BrandKitOut]:
    rows = conn.execute(
        "SELECT * FROM brand_kits WHERE creator_id = ? ORDER BY created_at, id", (creator_id,)
    ).fetchall()
    return [kit_out(r) for r in rows]


def add(conn: sqlite3.Connection, creator_id: str, tier: str, body: BrandKitCreate) -> BrandKitOut:
    """A new kit, within the tier's limit."""
    have = conn.execute(
        "SELECT COUNT(*) FROM brand_kits WHERE creator_id = ?", (creator_id,)
    ).fetchone()[0]
    check_brand_kit_room(tier, have)
    kit_id, stamp = new_id("bk"), iso()
    conn.execute(
        "INSERT INTO brand_kits (name, color_palette, typography, motion_intensity, "
        "allowed_categories, id, creator_id, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*_columns(new_kit_values(body)), kit_id, creator_id, stamp, stamp),
    )
    return get(conn, creator_id, kit_id)


def update(
    conn: sqlite3.Connection, creator_id: str, kit_id: str, patch: BrandKitUpdate
) -> BrandKitOut:
    current = get(conn, creator_id, kit_id)
    conn.execute(
        "UPDATE brand_kits SET name = ?, color_palette = ?, typography = ?, "
        "motion_intensity = ?, allowed_categories = ?, updated_at = ? WHERE id = ?",
        (*_columns(updated_kit_values(current, patch)), iso(), kit_id),
    )
    return get(conn, creator_id, kit_id)


def remove(conn: sqlite3.Connection, creator_id: str, kit_id: str) -> BrandKitOut:
    """Delete a kit; returns it as it was."""
    kit = get(conn, creator_id, kit_id)
    conn.execute("DELETE FROM brand_kits WHERE id = ?", (kit_id,))
    # A dangling active kit would silently fall back to defaults; say so by clearing it.
    conn.execute(
        "UPDATE creators SET settings = json_remove(settings, '$.activeBrandKitId') "
        "WHERE id = ? AND json_extract(settings, '$.activeBrandKitId') = ?",
        (creator_id, kit_id),
    )
    return kit


def for_session(
    conn: sqlite3.Connection, creator_id: str, kit_id: str | None
) -> BrandKitOut | None:
    """The session's kit, else the creator's active kit, else none (defaults, all categories)."""
    row = conn.execute(
        "SELECT * FROM brand_kits WHERE creator_id = ? AND id = COALESCE(?, "
        "(SELECT json_extract(settings, '$.activeBrandKitId') FROM creators WHERE id = ?))",
        (creator_id, kit_id, creator_id),
    ).fetchone()
    return kit_out(row) if row is not None else None


def updated_event(kit: BrandKitOut, deleted: bool = False) -> dict[str, Any]:
    """The `brandKit.updated` message the creator's live connections get."""
    message: dict[str, Any] = {
        "type": "brandKit.updated",
        "brandKit": kit.model_dump(by_alias=True),
    }
    if deleted:
        message["deleted"] = True
    return message
