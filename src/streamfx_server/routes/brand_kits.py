"""Brand kits: colours, fonts, motion and allowed categories that every render follows."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from .. import brand_kits, event_log
from ..brand_kits import BrandKitCreate, BrandKitOut, BrandKitUpdate
from ..deps import DB, CurrentCreator, State

router = APIRouter(prefix="/api/brand-kit", tags=["brand kits"])

_NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such kit, or it belongs to someone else"}
}


@router.post(
    "",
    status_code=201,
    response_model=BrandKitOut,
    responses={403: {"description": "The tier's brand kit limit is reached"}},
)
def create_kit(body: BrandKitCreate, creator: CurrentCreator, state: State, db: DB) -> BrandKitOut:
    with event_log.write(db, state.hub) as tx:
        kit = brand_kits.add(tx.conn, creator.id, creator.tier, body)
        tx.push(creator.id, brand_kits.updated_event(kit))
    return kit


@router.get("", response_model=list[BrandKitOut])
def list_kits(creator: CurrentCreator, db: DB) -> list[BrandKitOut]:
    return brand_kits.listing(db.conn(), creator.id)


@router.get("/{kit_id}", response_model=BrandKitOut, responses=_NOT_YOURS)
def get_kit(kit_id: str, creator: CurrentCreator, db: DB) -> BrandKitOut:
    return brand_kits.get(db.conn(), creator.id, kit_id)


@router.put("/{kit_id}", response_model=BrandKitOut, responses=_NOT_YOURS)
def update_kit(
    kit_id: str, body: BrandKitUpdate, creator: CurrentCreator, state: State, db: DB
) -> BrandKitOut:
    with event_log.write(db, state.hub) as tx:
        kit = brand_kits.update(tx.conn, creator.id, kit_id, body)
        tx.push(creator.id, brand_kits.updated_event(kit))
    return kit


@router.delete("/{kit_id}", status_code=204, response_class=Response, responses=_NOT_YOURS)
def delete_kit(kit_id: str, creator: CurrentCreator, state: State, db: DB) -> Response:
    with event_log.write(db, state.hub) as tx:
        kit = brand_kits.remove(tx.conn, creator.id, kit_id)
        tx.push(creator.id, brand_kits.updated_event(kit, deleted=True))
    return Response(status_code=204)
