"""The creator's data, theirs to take: `GET /api/export` and `POST /api/import`
(docs/EXPORT.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from .. import brand_kits, data_export, data_import, event_log
from ..data_import import ImportOut
from ..deps import DB, CurrentCreator, State
from ..export_format import ExportPart, check_header
from ..infra.db import Database
from ..infra.ids import now

router = APIRouter(prefix="/api", tags=["export and import"])


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "model": ExportPart,
            "description": "The signed-in creator's brand kits, own effects (without file "
            "bytes) and sessions with their activations; docs/EXPORT.md.",
        }
    },
)
def export(creator: CurrentCreator, db: DB) -> StreamingResponse:
    """Everything of the signed-in creator's, as one JSON document written as it is read."""
    name = f"streamfx-export-{now().strftime('%Y%m%d-%H%M%S')}.json"
    return StreamingResponse(
        data_export.stream(db, creator.id),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


class _DryRun(Exception):
    def __init__(self, done: data_import.Imported) -> None:
        self.done = done


def _dry_run(db: Database, creator_id: str, tier: str, part: ExportPart) -> ImportOut:
    """What importing `part` would do, from the same code in a transaction rolled back."""
    try:
        with db.write() as conn:
            raise _DryRun(data_import.apply(conn, creator_id, tier, part))
    except _DryRun as tried:
        return tried.done.out(dry_run=True)


@router.post(
    "/import",
    response_model=ImportOut,
    responses={
        403: {"description": "The import would pass the tier's brand kit or effect limit"},
        422: {"description": "Not an export, a newer version, or a record that is not valid"},
    },
)
def import_export(
    body: ExportPart,
    creator: CurrentCreator,
    state: State,
    db: DB,
    dry_run: Annotated[
        bool, Query(alias="dryRun", description="Check and count only; change nothing.")
    ] = False,
) -> ImportOut:
    """Import an export (or a part of one) into the signed-in creator's account, in one
    transaction; what is already here is left as it is (docs/EXPORT.md "Import")."""
    check_header(body)
    if dry_run:
        return _dry_run(db, creator.id, creator.tier, body)
    with event_log.write(db, state.hub) as tx:
        done = data_import.apply(tx.conn, creator.id, creator.tier, body)
        for kit in done.new_kits:
            tx.push(creator.id, brand_kits.updated_event(kit))
    return done.out(dry_run=False)
