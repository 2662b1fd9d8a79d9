"""Delivery over the WebSocket: the lease holder's `claim` and `delivery`, and the
overlay pages' `drawn` (docs/AGENT.md "Delivery record").

- `claim` and `delivery` come from the connection that holds a drawing lease
  (routes/ws_agent.py); any other gets `not_lease_holder` (403). A delivery takes the
  same path as `POST /api/activations/{id}/delivery` (`activations.deliver`), with the
  holder's agentId recorded.
- `drawn` comes from overlay pages (overlay keys): an overlay-kind activation they
  started drawing. Each connection counts once per activation; acknowledgements of
  other kinds change nothing and get no answer (the agent reports those).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Annotated, Any, Literal

import anyio
from pydantic import Field, ValidationError

from streamfx_wire import live as wire

from .. import activations, event_log
from ..activations import DeliveryReport
from ..agent_leases import Lease
from ..errors import APIError
from ..infra.hub import Subscriber
from ..infra.ids import now
from ..schemas import ApiModel
from ..state import AppState
from .ws_frames import MessageId, api_error, error, invalid

ActivationRef = Annotated[str, Field(min_length=1, max_length=100)]
# Activations an overlay connection's acknowledgements are remembered for; older ones
# are long past their maxDelayMs anyway.
ACKS_REMEMBERED = 1000


class ClaimMessage(ApiModel):
    type: Literal["claim"]
    id: MessageId = None
    activation_id: ActivationRef


class DeliveryMessage(DeliveryReport):
    """A `DeliveryReport` with the message's fields; the agentId is the connection's."""

    type: Literal["delivery"]
    id: MessageId = None
    activation_id: ActivationRef


class DrawnMessage(ApiModel):
    type: Literal["drawn"]
    id: MessageId = None
    activation_id: ActivationRef


class OverlayAcks:
    """The activations one overlay connection acknowledged (the newest ACKS_REMEMBERED)."""

    def __init__(self) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, activation_id: str) -> bool:
        if activation_id in self._seen:
            return False
        self._seen[activation_id] = None
        if len(self._seen) > ACKS_REMEMBERED:
            self._seen.popitem(last=False)
        return True


def _with_id(message: dict[str, Any], msg_id: Any) -> dict[str, Any]:
    if msg_id is not None:
        message["id"] = msg_id
    return message


async def _holder(state: AppState, sub: Subscriber, msg_id: Any) -> Lease[Subscriber] | None:
    """The connection's lease if it holds one; otherwise tells it why not."""
    lease = state.agent_leases.held_by(sub)
    if lease is not None:
        return lease
    if not sub.can_trigger:
        message = (
            "An overlay key can only listen; only the agent drawing in OBS claims and reports."
        )
    elif state.agent_leases.lease_of(sub) is not None:
        message = "This agent is a standby; only the agent holding the lease claims and reports."
    else:
        message = (
            'Only an agent holding a drawing lease claims and reports; send "agent.hello" first.'
        )
    await state.hub.reply(
        sub,
        error(
            wire.NOT_LEASE_HOLDER,
            message,
            403,
            msg_id,
            hint="Without an agent, report with POST /api/activations/{id}/delivery.",
        ),
    )
    return None


async def handle_claim(
    state: AppState, sub: Subscriber, payload: dict[str, Any], msg_id: Any
) -> None:
    lease = await _holder(state, sub, msg_id)
    if lease is None:
        return
    try:
        body = ClaimMessage.model_validate(payload)
    except ValidationError as exc:
        await state.hub.reply(sub, invalid(exc, msg_id))
        return
    at_ms = int(time.time() * 1000)
    try:
        # A job of the group commit, like the trigger it follows: one conditional UPDATE.
        ok = await state.db.run_async(
            lambda conn: activations.claim(
                conn, sub.creator_id, body.activation_id, lease.agent_id, at_ms
            )
        )
    except APIError as exc:
        await state.hub.reply(sub, api_error(exc, msg_id))
        return
    await state.hub.reply(
        sub,
        _with_id({"type": wire.CLAIMED, "activationId": body.activation_id, "ok": ok}, msg_id),
    )


async def handle_delivery(
    state: AppState, sub: Subscriber, payload: dict[str, Any], msg_id: Any
) -> None:
    lease = await _holder(state, sub, msg_id)
    if lease is None:
        return
    try:
        body = DeliveryMessage.model_validate(payload)
    except ValidationError as exc:
        await state.hub.reply(sub, invalid(exc, msg_id))
        return
    if body.agent_id not in (None, lease.agent_id):
        await state.hub.reply(
            sub,
            error(
                "validation_error",
                "Invalid agentId: a delivery sent here is this connection's agent's.",
                422,
                msg_id,
                details=[{"field": "agentId", "message": "must be this connection's agent"}],
                hint="Leave agentId out.",
            ),
        )
        return
    report = DeliveryReport(
        status=body.status, reason=body.reason, drawn_at=body.drawn_at, agent_id=lease.agent_id
    )
    try:
        activation = await anyio.to_thread.run_sync(
            activations.deliver,
            state.db,
            state.hub,
            sub.creator_id,
            body.activation_id,
            report,
            now(),
        )
    except APIError as exc:
        await state.hub.reply(sub, api_error(exc, msg_id))
        return
    answer = {
        "type": wire.DELIVERED,
        "activationId": body.activation_id,
        "delivery": activation["delivery"],
    }
    await state.hub.reply(sub, _with_id(answer, msg_id))


async def handle_drawn(
    state: AppState, sub: Subscriber, acks: OverlayAcks, payload: dict[str, Any], msg_id: Any
) -> None:
    if sub.can_trigger:
        await state.hub.reply(
            sub,
            error(
                "overlay_only",
                'Only overlay pages acknowledge what they drew; an agent sends "delivery".',
                403,
                msg_id,
            ),
        )
        return
    try:
        body = DrawnMessage.model_validate(payload)
    except ValidationError as exc:
        await state.hub.reply(sub, invalid(exc, msg_id))
        return
    if not acks.first_time(body.activation_id):
        return
    try:
        await anyio.to_thread.run_sync(_acknowledge, state, sub.creator_id, body.activation_id)
    except APIError as exc:
        await state.hub.reply(sub, api_error(exc, msg_id))


def _acknowledge(state: AppState, creator_id: str, activation_id: str) -> None:
    with event_log.write(state.db, state.hub) as tx:
        activation = activations.acknowledge_overlay(tx.conn, creator_id, activation_id, now())
        if activation is not None:
            tx.push(creator_id, activations.updated_event(activation))
