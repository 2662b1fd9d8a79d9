"""`{"type": "trigger", …}` over the WebSocket: the same rules as POST /api/effects/trigger."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from streamfx_wire import live as wire
from streamfx_wire.vocabulary import ClientSource

from .. import agent_status, triggering
from ..errors import APIError
from ..identity import SignIn
from ..infra.hub import Subscriber
from ..schemas import ApiModel
from ..state import AppState
from .ws_auth import Credential
from .ws_frames import MessageId, api_error, error, invalid

log = logging.getLogger("streamfx.server")


class TriggerMessage(ApiModel):
    type: Literal["trigger"]
    id: MessageId = None
    effect_id: Annotated[str, Field(min_length=1, max_length=100)]
    # Absent or null: the creator's live session, as over HTTP.
    session_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    params: dict[str, Any] | None = None
    idempotency_key: triggering.IdempotencyKey | None = None
    # Who fired it: `streamfx fire` handing its trigger to the local agent says cli or
    # hotkey, so the history tells a hotkey from a script on the WebSocket.
    source: ClientSource = "ws"


def _internal_error(msg_id: Any) -> dict[str, Any]:
    return error(
        "internal_error",
        "Something went wrong on the server.",
        500,
        msg_id,
        hint="See the server log; this is a bug worth reporting.",
    )


async def handle_trigger(
    state: AppState, sub: Subscriber, cred: Credential, payload: dict[str, Any], msg_id: Any
) -> None:
    hub = state.hub
    if not sub.can_trigger:
        await hub.reply(
            sub,
            error(
                "listen_only",
                "An overlay key can only listen; sign in to trigger effects.",
                403,
                msg_id,
            ),
        )
        return
    try:
        body = TriggerMessage.model_validate(payload)
    except ValidationError as exc:
        await hub.reply(sub, invalid(exc, msg_id))
        return
    try:
        # The sign-in is re-checked in the trigger's transaction: it may have been
        # ended since the connection authenticated (and the tier may have changed).
        fired = await triggering.fire_async(
            state,
            SignIn(cred.creator.id, cred.creator.family_id),
            body.effect_id,
            body.session_id,
            body.params,
            body.source,
            body.idempotency_key,
        )
    except APIError as exc:
        await hub.reply(sub, api_error(exc, msg_id))
        if exc.code == wire.SESSION_REVOKED:
            hub.drop(sub, wire.CLOSE_UNAUTHORIZED, exc.code, flush=True)
        return
    except Exception:
        log.exception("trigger over WebSocket failed")
        await hub.reply(sub, _internal_error(msg_id))
        return
    reply: dict[str, Any] = {
        "type": wire.TRIGGERED,
        "activation": fired.activation,
        # Who draws it (docs/AGENT.md "Lease"): the holder at this moment, or None.
        "agent": agent_status.ref_of(state.agent_leases.first_holder(cred.creator.id)),
    }
    if fired.repeated:  # what HTTP tells with 200 instead of 201
        reply["repeated"] = True
    if msg_id is not None:
        reply["id"] = msg_id
    try:
        await hub.reply(sub, reply)
    except (TypeError, ValueError):
        log.exception("could not encode an activation for the WebSocket")
        await hub.reply(sub, _internal_error(msg_id))
