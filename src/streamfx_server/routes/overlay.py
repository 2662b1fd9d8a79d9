"""The overlay key: a long-lived, listen-only credential for OBS's Browser Source."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import Field

from streamfx_wire.live import CLEAR, CLOSE_UNAUTHORIZED, OVERLAY_KEY_ROTATED

from .. import event_log
from ..deps import DB, CurrentCreator, State
from ..identity import rotate_overlay_key as new_overlay_key
from ..schemas import ApiModel

router = APIRouter(prefix="/api/overlay", tags=["overlay"])


class OverlayKeyOut(ApiModel):
    key: str
    url: str
    replaced: bool = Field(description="True when an earlier key existed and now stops working.")


@router.post(
    "/key",
    status_code=201,
    response_model=OverlayKeyOut,
    responses={401: {"description": "Not signed in"}},
)
def rotate_overlay_key(
    creator: CurrentCreator, state: State, db: DB, response: Response
) -> OverlayKeyOut:
    """Make a new overlay key (shown only in this answer); the previous one stops working at once."""
    key, replaced = new_overlay_key(db, creator.id)
    # After COMMIT: overlays still listening with the old key are closed now. One that
    # authenticated with it a moment ago and is not yet in the hub re-checks the key
    # right after joining (see routes/ws.py), so none slips through.
    state.hub.disconnect(creator.id, CLOSE_UNAUTHORIZED, OVERLAY_KEY_ROTATED, mode="listen")
    response.headers["Cache-Control"] = "no-store"
    return OverlayKeyOut(
        key=key, url=f"{state.settings.base_url}/overlay?key={key}", replaced=replaced
    )


@router.post("/clear", status_code=204, response_class=Response)
def clear_overlays(creator: CurrentCreator, state: State) -> Response:
    """Empty every overlay page of this creator: effects on screen and everything queued."""
    with event_log.write(state.db, state.hub) as tx:
        tx.push(creator.id, {"type": CLEAR})
    return Response(status_code=204)
