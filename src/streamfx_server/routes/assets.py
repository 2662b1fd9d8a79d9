"""Serving uploaded files to their creator and to that creator's overlay page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .. import assets
from ..deps import State
from ..errors import not_found, unauthorized
from ..identity import Creator, authenticate, overlay_creator
from ..state import AppState

router = APIRouter(tags=["assets"])

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_bearer = HTTPBearer(auto_error=False, description="Access token from /api/auth/login")


def asset_reader(
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    key: Annotated[str | None, Query(description="The overlay key, for the overlay page.")] = None,
) -> Creator:
    """The signed-in creator, or the creator whose overlay key is given."""
    if credentials is not None and credentials.scheme.lower() == "bearer":
        return authenticate(state.db, state.tokens, credentials.credentials)
    if key:
        creator = overlay_creator(state.db, key)
        if creator is None:
            raise unauthorized(
                "That overlay key is not valid.",
                "invalid_overlay_key",
                hint="Copy the current URL with `streamfx overlay url`.",
            )
        return creator
    raise unauthorized("Sign in, or give the overlay key, to read assets.", "missing_token")


@router.get(
    "/api/assets/{sha256}",
    response_class=FileResponse,
    responses={
        200: {"description": "The file's bytes, with its sniffed content type"},
        404: {"description": "No such asset among yours"},
    },
)
def get_asset(
    sha256: str, state: State, creator: Annotated[Creator, Depends(asset_reader)]
) -> FileResponse:
    return _file(state, creator.id, sha256.lower())


def _file(state: AppState, creator_id: str, sha256: str) -> FileResponse:
    row = assets.readable(state.db.conn(), creator_id, sha256) if _SHA256.match(sha256) else None
    path = state.settings.assets_dir / Path(row["path"]).name if row else None
    if row is None or path is None or not path.is_file():
        raise not_found("asset")
    return FileResponse(
        path,
        media_type=row["content_type"],
        headers={
            # The name is the content's hash, so a cached copy is never stale; private because
            # it needs a sign-in or an overlay key.
            "Cache-Control": "private, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )
