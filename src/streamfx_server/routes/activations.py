"""One activation and its delivery record (docs/AGENT.md "Delivery record")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from .. import activations
from ..activations import ActivationOut, DeliveryReport
from ..deps import DB, CurrentCreator, State
from ..infra.ids import now

router = APIRouter(prefix="/api/activations", tags=["activations"])

_NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such activation, or it belongs to someone else"}
}


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
