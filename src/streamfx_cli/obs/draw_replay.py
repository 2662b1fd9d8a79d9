"""The plan for `replay`: save OBS's replay buffer, and tell where the file went.

Saving is one request (SaveReplayBuffer); OBS writes the file after it has answered.
`GetLastReplayBufferReplay` says "" while it writes, then the new file's path, so the
plan's `Outcome` asks until the path is a new one and puts "saved to <path>" in the
delivery's reason (docs/AGENT.md "Delivery record"). A replay buffer that is off is
refused before anything is sent, in words that say how to turn it on. Registered in
`draw.DRAWERS` when `draw` is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .connection import ObsConnection, request
from .draw import DRAWERS, Outcome, Plan
from .errors import ObsError, ObsRequestFailed

REPLAY_BUFFER_OFF = "The replay buffer is off: start it in OBS (Start Replay Buffer)."
NO_REPLAY_BUFFER = (
    "OBS has no replay buffer: turn it on in Settings > Output > Replay Buffer, "
    "then start it (Start Replay Buffer)."
)
SAVE_TOO_SLOW = "OBS did not say within 10 s where it saved the replay; look in its recordings."
_NOT_AVAILABLE = 604  # obs-websocket's InvalidResourceState: no replay buffer configured


@dataclass
class SavedReplay:
    """Asks OBS for the last saved replay until it is the one this save made."""

    before: str  # the last replay's path before the save ("" if none yet)
    writing_seen: bool = False

    def poll(self, conn: ObsConnection) -> str | None:
        path = str(conn.call("GetLastReplayBufferReplay").get("savedReplayPath") or "")
        if not path:
            self.writing_seen = True  # OBS is writing the file now
            return None
        # Two saves within a second get the same name; having seen it written tells.
        if path != self.before or self.writing_seen:
            return f"saved to {path}"
        return None


@DRAWERS.register("replay")
def _replay(conn: ObsConnection, _render: Mapping[str, Any], _asset: str | None, _st: bool) -> Plan:
    try:
        active = conn.call("GetReplayBufferStatus").get("outputActive")
    except ObsRequestFailed as exc:
        if exc.code == _NOT_AVAILABLE:
            raise ObsError(NO_REPLAY_BUFFER) from exc
        raise
    if not active:
        raise ObsError(REPLAY_BUFFER_OFF)
    before = str(conn.call("GetLastReplayBufferReplay").get("savedReplayPath") or "")
    return Plan(
        start=[request("SaveReplayBuffer")],
        outcome=Outcome(poll=SavedReplay(before).poll, late=SAVE_TOO_SLOW),
    )


__all__ = ["NO_REPLAY_BUFFER", "REPLAY_BUFFER_OFF", "SavedReplay"]
