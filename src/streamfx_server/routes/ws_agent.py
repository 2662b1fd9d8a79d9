"""`agent.hello` over the WebSocket, and what a connection's end does to the leases.

docs/AGENT.md "Lease". A control connection (access token) announces itself as agent
`agentId` for the OBS at `target`; it gets `agent.lease` with `holder` true or false.
When a holder's connection ends, however it ends, the longest-waiting standby gets
`agent.lease` with `holder` true at once (`leave`, called by routes/ws.py as the
connection is torn down), and the creator's connections get `agent.status` through
the event log (agent_status.py).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import anyio
from pydantic import Field, ValidationError, field_validator

from streamfx_wire import live as wire

from .. import agent_status
from ..agent_leases import LeaseRefused
from ..infra.hub import Subscriber
from ..infra.ids import now
from ..schemas import ApiModel
from ..state import AppState
from .ws_frames import MessageId, error, invalid
from .ws_obs_events import tell_holder

# `ag_` and 8 to 64 URL-safe characters: an agent names itself with a random id.
AgentId = Annotated[str, Field(pattern=r"^ag_[A-Za-z0-9_-]{8,64}$")]
MAX_TARGET_LENGTH = 255
# host:port, the host a name, an IPv4 address or a bracketed IPv6 address.
_TARGET = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$")


class HelloMessage(ApiModel):
    type: Literal["agent.hello"]
    id: MessageId = None
    agent_id: AgentId
    target: Annotated[str, Field(min_length=1, max_length=MAX_TARGET_LENGTH)]

    @field_validator("target")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        found = _TARGET.match(value)
        if found is None or not 0 < int(found.group(2)) <= 65535:
            raise ValueError("must be the OBS WebSocket's host:port, like 127.0.0.1:4455")
        return value


def lease_message(holder: bool, target: str, msg_id: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": wire.AGENT_LEASE, "holder": holder, "target": target}
    if msg_id is not None:
        message["id"] = msg_id
    return message


async def handle_hello(
    state: AppState, sub: Subscriber, payload: dict[str, Any], msg_id: Any
) -> None:
    hub = state.hub
    if not sub.can_trigger:
        await hub.reply(
            sub,
            error(
                "listen_only",
                "An overlay key can only listen; an agent signs in with an access token.",
                403,
                msg_id,
                hint="Run `streamfx agent run`, which signs in like the CLI.",
            ),
        )
        return
    try:
        hello = HelloMessage.model_validate(payload)
    except ValidationError as exc:
        await hub.reply(sub, invalid(exc, msg_id))
        return
    try:
        said = state.agent_leases.hello(sub, sub.creator_id, hello.agent_id, hello.target, now())
    except LeaseRefused as exc:
        await hub.reply(sub, error(exc.code, exc.message, exc.status, msg_id, hint=exc.hint))
        return
    if said.replaced is not None:
        _replaced(state, said.replaced, hello.agent_id)
    await hub.reply(sub, lease_message(said.holder, hello.target, msg_id))
    await tell_holder(state, sub)
    if said.changed:
        await _announce(state, sub.creator_id, hello.target)


def _replaced(state: AppState, old: Subscriber, agent_id: str) -> None:
    state.hub.send(
        old,
        error(
            wire.AGENT_REPLACED,
            f"Agent {agent_id} connected again on another connection, which took this one's place.",
            409,
            hint="Run one agent per agentId.",
        ),
    )
    state.hub.drop(old, wire.CLOSE_AGENT_REPLACED, wire.AGENT_REPLACED, flush=True)


async def leave(state: AppState, sub: Subscriber) -> None:
    """The connection ended: hand its lease on. Call it once, as the connection ends;
    the takeover is told at once, the `agent.status` event follows."""
    left = state.agent_leases.leave(sub, now())
    if left is None:
        return
    # Shielded: a connection cancelled as it ends still tells the new holder what to
    # watch in OBS, and logs who draws now.
    with anyio.CancelScope(shield=True):
        if left.holder is not None:
            state.hub.send(left.holder.owner, lease_message(True, left.target))
            await tell_holder(state, left.holder.owner)
        await _announce(state, left.creator_id, left.target)


async def _announce(state: AppState, creator_id: str, target: str) -> None:
    await anyio.to_thread.run_sync(
        agent_status.announce, state.db, state.hub, state.agent_leases, creator_id, target
    )
