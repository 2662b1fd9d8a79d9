"""Brand kits: colours, fonts, motion and allowed categories that every render follows."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from fastapi import APIRouter, Response

from streamfx_wire.live import BRAND_KIT_UPDATED

from ..brand import (
    BrandKitCreate,
    BrandKitOut,
    BrandKitUpdate,
    kit_out,
    new_kit_values,
    updated_kit_values,
)
from ..deps import DB, CurrentCreator, State
from ..errors import not_found
from ..ids import iso, new_id
from ..state import AppState
from ..tiers import check_brand_kit_room

router = APIRouter(prefix="/api/brand-kit", tags=["brand kits"])

_NOT_YOURS = {404: {"description": "No such kit, or it belongs to someone else"}}


def _row(conn: sqlite3.Connection, creator_id: str, kit_id: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT * FROM brand_kits WHERE id = ? AND creator_id = ?", (kit_id, creator_id)
    ).fetchone()
    if row is None:
        raise not_found("brand kit")
    return row


def _publish(state: AppState, creator_id: str, kit: BrandKitOut, deleted: bool = False) -> None:
    message: dict[str, Any] = {
        "type": BRAND_KIT_UPDATED,
        "brandKit": kit.model_dump(by_alias=True),
    }
    if deleted:
        message["deleted"] = True
    state.hub.publish(creator_id, message)


def _columns(values: dict[str, Any]) -> tuple[Any, ...]:
    return (
        values["name"],
        json.dumps(values["color_palette"]),
        json.dumps(values["typography"]),
        values["motion_intensity"],
        json.dumps(values["allowed_categories"]),
    )


@router.post(
    "",
    status_code=201,
    response_model=BrandKitOut,
    responses={403: {"description": "The tier's brand kit limit is reached"}},
)
def create_kit(body: BrandKitCreate, creator: CurrentCreator, state: State, db: DB) -> BrandKitOut:
    values = new_kit_values(body)
    kit_id, stamp = new_id("bk"), iso()
    with db.write() as conn:
        have = conn.execute(
            "SELECT COUNT(*) FROM brand_kits WHERE creator_id = ?", (creator.id,)
        ).fetchone()[0]
        check_brand_kit_room(creator.tier, have)
        conn.execute(
            "INSERT INTO brand_kits (name, color_palette, typography, motion_intensity, "
            "allowed_categories, id, creator_id, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*_columns(values), kit_id, creator.id, stamp, stamp),
        )
        kit = kit_out(_row(conn, creator.id, kit_id))
    _publish(state, creator.id, kit)
    return kit


@router.get("", response_model=list[BrandKitOut])
def list_kits(creator: CurrentCreator, db: DB) -> list[BrandKitOut]:
    rows = db.all(
        "SELECT * FROM brand_kits WHERE creator_id = ? ORDER BY created_at, id", (creator.id,)
    )
    return [kit_out(r) for r in rows]


@router.get("/{kit_id}", response_model=BrandKitOut, responses=_NOT_YOURS)
def get_kit(kit_id: str, creator: CurrentCreator, db: DB) -> BrandKitOut:
    return kit_out(_row(db.conn(), creator.id, kit_id))


@router.put("/{kit_id}", response_model=BrandKitOut, responses=_NOT_YOURS)
def update_kit(
    kit_id: str, body: BrandKitUpdate, creator: CurrentCreator, state: State, db: DB
) -> BrandKitOut:
    with db.write() as conn:
        current = kit_out(_row(conn, creator.id, kit_id))
        conn.execute(
            "UPDATE brand_kits SET name = ?, color_palette = ?, typography = ?, "
            "motion_intensity = ?, allowed_categories = ?, updated_at = ? WHERE id = ?",
            (*_columns(updated_kit_values(current, body)), iso(), kit_id),
        )
        kit = kit_out(_row(conn, creator.id, kit_id))
    _publish(state, creator.id, kit)
    return kit


@router.delete("/{kit_id}", status_code=204, response_class=Response, responses=_NOT_YOURS)
def delete_kit(kit_id: str, creator: CurrentCreator, state: State, db: DB) -> Response:
    with db.write() as conn:
        kit = kit_out(_row(conn, creator.id, kit_id))
        conn.execute("DELETE FROM brand_kits WHERE id = ?", (kit_id,))
        # A dangling active kit would silently fall back to defaults; say so by clearing it.
        conn.execute(
            "UPDATE creators SET settings = json_remove(settings, '$.activeBrandKitId') "
            "WHERE id = ? AND json_extract(settings, '$.activeBrandKitId') = ?",
            (creator.id, kit_id),
        )
    _publish(state, creator.id, kit, deleted=True)
    return Response(status_code=204)
