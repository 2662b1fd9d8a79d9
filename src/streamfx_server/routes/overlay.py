"""The overlay key: a long-lived, listen-only credential for OBS's Browser Source."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Response

from streamfx_wire.live import CLEAR, CLOSE_UNAUTHORIZED, OVERLAY_KEY_ROTATED

from ..deps import DB, CurrentCreator, State
from ..ids import iso
from ..schemas import ApiModel
from ..tokens import hash_secret

router = APIRouter(prefix="/api/overlay", tags=["overlay"])

# A recognisable prefix (like GitHub's `ghp_`): the WebSocket tells overlay keys from
# access tokens by it, and a key pasted somewhere it should not be is easy to spot.
OVERLAY_KEY_PREFIX = "sfo_"


def new_overlay_key() -> str:
    return OVERLAY_KEY_PREFIX + secrets.token_urlsafe(32)


class OverlayKeyOut(ApiModel):
    key: str
    url: str


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
    key = new_overlay_key()
    with db.write() as conn:
        conn.execute(
            "UPDATE creators SET overlay_key_hash = ?, updated_at = ? WHERE id = ?",
            (hash_secret(key), iso(), creator.id),
        )
    # After COMMIT: overlays still listening with the old key are closed now. One that
    # authenticated with it a moment ago and is not yet in the hub re-checks the key
    # right after joining (see routes/ws.py), so none slips through.
    state.hub.disconnect(creator.id, CLOSE_UNAUTHORIZED, OVERLAY_KEY_ROTATED, mode="listen")
    response.headers["Cache-Control"] = "no-store"
    return OverlayKeyOut(key=key, url=f"{state.settings.base_url}/overlay?key={key}")


@router.post("/clear", status_code=204, response_class=Response)
def clear_overlays(creator: CurrentCreator, state: State) -> Response:
    """Empty every overlay page of this creator: effects on screen and everything queued."""
    state.hub.publish(creator.id, {"type": CLEAR})
    return Response(status_code=204)
