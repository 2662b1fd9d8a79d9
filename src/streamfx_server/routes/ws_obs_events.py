"""OBS events over the WebSocket: which ones the lease holder watches (`agent.obsEvents`),
and the events it reports (`agent.obsEvent`), which fire the creator's obs rules
(docs/AGENT.md "OBS events", docs/RULES.md "OBS rules").

- The holder is told the events its creator's enabled obs rules wait for right after
  each `agent.lease` with holder true, and again whenever the creator's rules change
  (routes/rules.py). A standby is told nothing: it watches nothing, so an event is
  reported once, by the one agent that draws.
- A report comes from the connection holding a lease of its creator (any other gets
  `not_lease_holder`, 403), names one of the rule vocabulary's events (else 422), and
  at most `REPORTS_PER_SECOND` a second per connection are taken: more are dropped with
  one log line per burst. It fires through `rule_firing.fire_rule_event`; no answer
  follows (the firing's activations arrive as `effect.triggered`).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

import anyio
import anyio.from_thread
from pydantic import AwareDatetime, Field, ValidationError, model_validator

from streamfx_wire import live as wire

from ..effect_params import ObsName
from ..infra.hub import Subscriber
from ..infra.ratelimit import FailureLimiter
from ..rule_firing import fire_rule_event, obs_events_needed
from ..rule_triggers import ObsEvent
from ..schemas import ApiModel
from ..state import AppState
from .ws_frames import MessageId, error, invalid

log = logging.getLogger("streamfx.server")

# A streamer switches scenes a few times a minute; twenty a second is a loop or a bug.
REPORTS_PER_SECOND = 20
# The field each event carries, and only it (docs/RULES.md "Triggers").
_FIELD_OF: dict[str, str] = {
    "sceneChanged": "scene",
    "mediaEnded": "input",
    "replaySaved": "path",
    "recordingStopped": "path",
}
_NEEDED = {"sceneChanged", "mediaEnded"}


class ObsEventMessage(ApiModel):
    type: Literal["agent.obsEvent"]
    id: MessageId = None
    event: ObsEvent
    scene: ObsName | None = None
    input: ObsName | None = None
    path: Annotated[str, Field(min_length=1, max_length=1024)] | None = None
    at: AwareDatetime | None = Field(default=None, description="When the agent saw it.")

    @model_validator(mode="after")
    def _fields_of_the_event(self) -> ObsEventMessage:
        own = _FIELD_OF.get(self.event)
        for name in ("scene", "input", "path"):
            if name != own and getattr(self, name) is not None:
                raise ValueError(f"{name} does not go with the {self.event} event")
        if self.event in _NEEDED and own is not None and getattr(self, own) is None:
            raise ValueError(f"the {self.event} event needs its {own}")
        return self

    def rule_event(self) -> dict[str, Any]:
        """The event as `fire_rule_event` takes it."""
        event: dict[str, Any] = {"type": "obs", "event": self.event}
        own = _FIELD_OF.get(self.event)
        if own is not None and getattr(self, own) is not None:
            event[own] = getattr(self, own)
        return event


class ReportGate:
    """One connection's reports: at most REPORTS_PER_SECOND a second."""

    def __init__(self, per_second: int = REPORTS_PER_SECOND) -> None:
        self._limiter = FailureLimiter(per_second, 1.0)
        self._dropping = False

    def admit(self, agent_id: str, creator_id: str) -> bool:
        if self._limiter.reserve("reports") == 0:
            self._dropping = False
            return True
        if not self._dropping:
            log.warning(
                "dropping OBS events from agent %s of creator %s: more than %d a second",
                agent_id,
                creator_id,
                REPORTS_PER_SECOND,
            )
        self._dropping = True
        return False


def events_message(events: list[str]) -> dict[str, Any]:
    return {"type": wire.AGENT_OBS_EVENTS, "events": events}


async def tell_holder(state: AppState, sub: Subscriber) -> None:
    """Tell the connection, if it holds a lease, what its creator's obs rules wait for."""
    if state.agent_leases.held_by(sub) is None:
        return
    events = await anyio.to_thread.run_sync(obs_events_needed, state.db, sub.creator_id)
    if state.agent_leases.held_by(sub) is not None:
        state.hub.send(sub, events_message(events))


def rules_changed(state: AppState, creator_id: str) -> None:
    """After a change to the creator's rules has committed (from a route's worker thread):
    tell each of the creator's holders what its rules wait for now."""
    events = obs_events_needed(state.db, creator_id)

    def tell() -> None:
        for lease in state.agent_leases.holders(creator_id):
            state.hub.send(lease.owner, events_message(events))

    anyio.from_thread.run_sync(tell)


async def handle_obs_event(
    state: AppState, sub: Subscriber, gate: ReportGate, payload: dict[str, Any], msg_id: Any
) -> None:
    lease = state.agent_leases.held_by(sub)
    if lease is None:
        standby = state.agent_leases.lease_of(sub) is not None
        await state.hub.reply(
            sub,
            error(
                wire.NOT_LEASE_HOLDER,
                "This agent is a standby; only the agent holding the lease reports OBS events."
                if standby
                else 'Only an agent holding a drawing lease reports OBS events; send "agent.hello" '
                "first.",
                403,
                msg_id,
                hint="Leave OBS events to the agent that draws.",
            ),
        )
        return
    try:
        body = ObsEventMessage.model_validate(payload)
    except ValidationError as exc:
        await state.hub.reply(sub, invalid(exc, msg_id))
        return
    if not gate.admit(lease.agent_id, sub.creator_id):
        return
    await fire_rule_event(state, sub.creator_id, body.rule_event())


__all__ = [
    "ObsEventMessage",
    "ReportGate",
    "handle_obs_event",
    "rules_changed",
    "tell_holder",
]
