"""`GET /api/effects/renders`: the render each effect would get if fired now, for the OBS
agent to cache and draw from while the server is down (docs/AGENT.md "The local socket
and server-down fires").

Built by `render.resolve`, the trigger's own function, with the kit the trigger would
use (the live session's, else the creator's active kit), and no parameters: exactly
the shapes of docs/RENDER.md. Reads only; no activation is recorded.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from pydantic import Field

from . import brand_kits, effects, sessions
from .effect_params import ParamsError
from .render import resolve
from .schemas import ApiModel


class CachedEffect(ApiModel):
    """What the agent needs beside the render: the slug `fire` names, the cooldown it
    applies itself while the server is down, and how the effect waits in its lane."""

    id: str
    slug: str
    name: str
    kind: str
    cooldown_ms: int
    queue_mode: str
    max_delay_ms: int


class RendersOut(ApiModel):
    renders: dict[str, dict[str, Any]] = Field(
        description="Effect id -> its render if fired now with no params (docs/RENDER.md). "
        "An effect the brand kit does not allow has none: firing it now is refused."
    )
    active_brand_kit_id: str | None = Field(
        description="The brand kit the renders use: the live session's, else the creator's "
        "active kit; null: the defaults."
    )
    effects: list[CachedEffect] = Field(
        description="Every effect the creator can fire: the built-ins, then their own."
    )


def renders_now(conn: sqlite3.Connection, creator_id: str) -> RendersOut:
    live = sessions.live(conn, creator_id)
    kit = brand_kits.for_session(conn, creator_id, None if live is None else live["brand_kit_id"])
    brand = None if kit is None else brand_kits.brand_of(kit)
    renders: dict[str, dict[str, Any]] = {}
    listed: list[CachedEffect] = []
    for row in effects.fireable(conn, creator_id):
        listed.append(
            CachedEffect(
                id=row["id"],
                slug=row["slug"],
                name=row["name"],
                kind=row["kind"],
                cooldown_ms=row["cooldown_ms"],
                queue_mode=row["queue_mode"],
                max_delay_ms=row["max_delay_ms"],
            )
        )
        if kit is not None and row["category"] not in kit.allowed_categories:
            continue  # the trigger refuses it (403 category_not_allowed)
        try:
            renders[row["id"]] = resolve(effects.render_effect(row), brand)
        except ParamsError:
            continue  # stored parameters are checked when saved; a trigger would refuse it too
    return RendersOut(
        renders=renders, active_brand_kit_id=None if kit is None else kit.id, effects=listed
    )
