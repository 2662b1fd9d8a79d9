"""Liveness: cheap, unauthenticated, used by `streamfx server status` and `streamfx up`."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from .. import __version__
from ..deps import DB
from ..schemas import ApiModel

router = APIRouter(tags=["health"])


class Health(ApiModel):
    status: str
    version: str
    name: str = "streamfx"
    has_owner: bool = Field(
        description="False until the first account (the owner) is created: "
        "`streamfx up` then offers to create it."
    )


@router.get("/api/health", response_model=Health)
def health(db: DB) -> Health:
    # Anyone may learn this: POST /api/auth/register tells them as much (201 or 403).
    (has_owner,) = db.one("SELECT EXISTS (SELECT 1 FROM creators)") or (0,)
    return Health(status="ok", version=__version__, has_owner=bool(has_owner))
