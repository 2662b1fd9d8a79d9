"""Liveness: cheap, unauthenticated, used by `streamfx server status`."""

from __future__ import annotations

from fastapi import APIRouter

from .. import __version__
from ..schemas import ApiModel

router = APIRouter(tags=["health"])


class Health(ApiModel):
    status: str
    version: str
    name: str = "streamfx"


@router.get("/api/health", response_model=Health)
def health() -> Health:
    return Health(status="ok", version=__version__)
