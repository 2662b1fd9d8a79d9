"""Activations: one with its delivery record (docs/AGENT.md "Delivery record"), the
creator's history across sessions, and firing one again (docs/EFFECTS.md "History")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from .. import activations, agent_status, history
from ..activations import ActivationOut, DeliveryReport
from ..deps import DB, CurrentCreator, State
from ..history import ActivationPage, Again
from ..identity import Creator
from ..infra.ids import now
from .effects import TriggerOut

router = APIRouter(prefix="/api/activations", tags=["activations"])

_NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such activation, or it belongs to someone else"}
}

# The history's paging, shared with a session's pages (routes/sessions.py).
PageLimit = Annotated[
    int,
    Query(
        ge=1,
        le=history.MAX_LIMIT,
        description=f"Activations per page, 1 to {history.MAX_LIMIT}.",
    ),
]
PageAfter = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="The `next` of the page before: the page goes on after it.",
    ),
]
BAD_PAGE: dict[int | str, dict[str, Any]] = {
    422: {"description": "A limit out of range, or a cursor this list did not give out"}
}


@router.get("", response_model=ActivationPage, responses=BAD_PAGE)
def list_activations(
    creator: CurrentCreator,
    db: DB,
    since: Annotated[
        AwareDatetime | None,
        Query(description="ISO 8601 with a time zone: those triggered at or after it."),
    ] = None,
    after: PageAfter = None,
    limit: PageLimit = history.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """The creator's activations across sessions, in the order they were recorded, each
    with its delivery; keyset-paged (`next`, then `after`)."""
    return history.creator_page(db.conn(), creator.id, since, after, limit)


@router.get("/{activation_id}", response_model=ActivationOut, responses=_NOT_YOURS)
def get_activation(activation_id: str, creator: CurrentCreator, db: DB) -> dict[str, Any]:
    return activations.activation_of(activations.fetch(db.conn(), creator.id, activation_id))


@router.post(
    "/{activation_id}/delivery",
    response_model=ActivationOut,
    responses={
        **_NOT_YOURS,
        409: {"description": "Already reported, or claimed by another agent"},
    },
)
def report_delivery(
    activation_id: str, body: DeliveryReport, creator: CurrentCreator, state: State
) -> dict[str, Any]:
    """Report what happened to an activation that the caller drew itself (no agent)."""
    return activations.deliver(state.db, state.hub, creator.id, activation_id, body, now())


def _again(activation_id: str, creator: CurrentCreator, db: DB) -> tuple[Creator, Again]:
    # A plain `def` dependency: FastAPI runs it in a worker thread, off the event loop.
    return creator, history.again_of(db.conn(), creator.id, activation_id)


@router.post(
    "/{activation_id}/replay",
    status_code=201,
    response_model=TriggerOut,
    responses={
        **_NOT_YOURS,
        403: {"description": "The brand kit does not allow this category"},
        409: {"description": "No live session, or it is paused"},
        422: {"description": "Its params are no longer valid for the effect"},
        429: {"description": "The effect is cooling down (see retryAfterMs)"},
    },
)
async def replay_activation(
    found: Annotated[tuple[Creator, Again], Depends(_again)],
    state: State,
) -> JSONResponse:
    """Fire the activation's effect again with the same params, in the live session, as a
    new activation with source `replay`: cooldown, categories and pause apply as to any
    fire."""
    creator, again = found
    fired = await history.re_fire(state, creator, again)
    agent = agent_status.ref_of(state.agent_leases.first_holder(creator.id))
    return JSONResponse({**fired.activation, "agent": agent}, status_code=201)
