"""Renders that record nothing: `GET /api/effects/renders`, the render each effect would
get if fired now, for the OBS agent to cache and draw from while the server is down
(docs/AGENT.md "The local socket and server-down fires"); and `POST
/api/effects/{id}/preview`, one effect's render with given params and kit, for `streamfx
preview` (docs/EFFECTS.md "Previews").

Built by `render.resolve`, the trigger's own function, with the kit the trigger would
use (the live session's, else the creator's active kit) unless a preview names one:
exactly the shapes of docs/RENDER.md. Reads only; no activation is recorded.
"""

from __future__ import annotations

import sqlite3
from typing import Annotated, Any

from pydantic import Field

from . import brand_kits, effects, sessions
from .effect_params import ParamsError
from .errors import APIError
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


class PreviewIn(ApiModel):
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Checked exactly like a trigger's params (422 invalid_params).",
    )
    brand_kit_id: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None,
        description="One of the creator's kits; omitted: the kit a trigger would use now.",
    )


class PreviewOut(ApiModel):
    render: dict[str, Any] = Field(description="The render (docs/RENDER.md); nothing recorded.")
    brand_kit_id: str | None = Field(description="The kit it used; null: the defaults.")


def preview(
    conn: sqlite3.Connection, creator_id: str, effect_ref: str, body: PreviewIn
) -> PreviewOut:
    """The render `effect_ref` would get if fired with `body.params` under `body`'s kit.

    Unlike a trigger it needs no live session, checks no cooldown and does not refuse a
    category the kit leaves out: a preview is for looking before deciding. Raises 404
    for an effect or kit that is not the creator's, 422 for params a trigger refuses.
    """
    row = effects.get(conn, creator_id, effect_ref)
    if body.brand_kit_id is not None:
        kit: brand_kits.BrandKitOut | None = brand_kits.get(conn, creator_id, body.brand_kit_id)
    else:
        live = sessions.live(conn, creator_id)
        kit = brand_kits.for_session(
            conn, creator_id, None if live is None else live["brand_kit_id"]
        )
    try:
        render = resolve(
            effects.render_effect(row),
            None if kit is None else brand_kits.brand_of(kit),
            body.params,
        )
    except ParamsError as exc:
        # The trigger's own answer for the same params (triggering._params_error).
        raise APIError(
            422,
            "invalid_params",
            str(exc),
            details=exc.details,
            hint="See docs/EFFECTS.md for the parameters each kind takes.",
        ) from None
    return PreviewOut(render=render, brand_kit_id=None if kit is None else kit.id)
