"""The plan for `replay`: save OBS's replay buffer, and tell where the file went.

Saving is one request (SaveReplayBuffer); OBS writes the file after it has answered,
then sends the `ReplayBufferSaved` event with its path. So the plan first asks OBS
for output events on this connection, and its `Outcome` reads them (one cheap request
per look, which reads what came before its answer) until that event comes, puts
"saved to <path>" in the delivery's reason (docs/AGENT.md "Delivery record") and
asks for no events again. A replay buffer that is off is refused before anything is
sent, in words that say how to turn it on. Registered in `draw.DRAWERS` when `draw` is
imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .connection import ObsConnection, request
from .draw import DRAWERS, Outcome, Plan
from .errors import ObsError, ObsRequestFailed
from .setup import ON_AIR, Stage

REPLAY_BUFFER_OFF = "The replay buffer is off: start it in OBS (Start Replay Buffer)."
NO_REPLAY_BUFFER = (
    "OBS has no replay buffer: turn it on in Settings > Output > Replay Buffer, "
    "then start it (Start Replay Buffer)."
)
SAVE_TOO_SLOW = "OBS did not say within 10 s where it saved the replay; look in its recordings."
_NOT_AVAILABLE = 604  # obs-websocket's InvalidResourceState: no replay buffer configured
OUTPUT_EVENTS = 1 << 6  # obs-websocket's EventSubscription::Outputs
SAVED = "ReplayBufferSaved"


def saved_replay(conn: ObsConnection) -> str | None:
    """ "saved to <path>" once OBS has said it saved the replay, else None (one round trip)."""
    saved = conn.take_event(SAVED)
    if saved is None:
        conn.call("GetReplayBufferStatus")  # reads what OBS sent before answering
        saved = conn.take_event(SAVED)
    if saved is None:
        return None
    conn.subscribe(0)
    return f"saved to {saved.get('savedReplayPath') or 'the recordings folder'}"


@DRAWERS.register("replay")
def _replay(
    conn: ObsConnection,
    _render: Mapping[str, Any],
    _asset: str | None,
    _st: bool,
    _stage: Stage = ON_AIR,
) -> Plan:
    try:
        active = conn.call("GetReplayBufferStatus").get("outputActive")
    except ObsRequestFailed as exc:
        if exc.code == _NOT_AVAILABLE:
            raise ObsError(NO_REPLAY_BUFFER) from exc
        raise
    if not active:
        raise ObsError(REPLAY_BUFFER_OFF)
    conn.subscribe(OUTPUT_EVENTS)  # before the save, so its event cannot be missed
    return Plan(
        start=[request("SaveReplayBuffer")],
        outcome=Outcome(poll=saved_replay, late=SAVE_TOO_SLOW),
    )


__all__ = ["NO_REPLAY_BUFFER", "REPLAY_BUFFER_OFF", "saved_replay"]
