"""What the agent's effects changed in OBS and must put back: the `streamfx.running` record.

The agent keeps time itself (docs/AGENT.md "Stream safety"): it starts an effect
with a batch that does not sleep and ends it with another. Between the two, the
only copy of "what to put back, and when" that survives the agent being killed is
this record in OBS's own persistent data, written in the same batch that starts
the effect and rewritten in the batch that ends it. An agent that starts (or takes
over the lease) reads it, ends every overdue entry at once, and the rest on time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

REALM = "OBS_WEBSOCKET_DATA_REALM_PROFILE"
SLOT = "streamfx.running"


def now_ms() -> int:
    """Wall-clock milliseconds: the record must mean the same to the next agent process."""
    return int(time.time() * 1000)


@dataclass
class RunningEffect:
    """One effect that is showing in OBS and will be ended by the agent."""

    key: str  # the activation id, or the journal id of a fire drawn while the server was down
    effect: str  # the effect's slug, for `streamfx stop EFFECT`
    lane: str | None
    until_ms: int  # wall clock: when it ends
    end: list[dict[str, Any]] = field(default_factory=list)
    # A move's or a filter ramp's way back (a SerialFrame animation leading into `end`)
    # and how long it takes, played when the effect ends on time. Kept by this process
    # only: `end` alone puts everything back, which is all a stop or a successor needs.
    back: list[dict[str, Any]] = field(default_factory=list)
    back_ms: int = 0
    # Wall clock: until when the start's frames (an entrance) run on in OBS. An end sent
    # sooner would be undone by them, so a stop or a replace waits for it. This
    # process's own: a successor finds the frames long over.
    settles_at_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "effect": self.effect,
            "lane": self.lane,
            "untilMs": self.until_ms,
            "end": self.end,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> RunningEffect | None:
        """None for an entry this version cannot read (it is dropped, not guessed at)."""
        try:
            end = value["end"]
            if not isinstance(end, list) or not all(isinstance(r, dict) for r in end):
                return None
            return cls(
                key=str(value["key"]),
                effect=str(value.get("effect") or ""),
                lane=None if value.get("lane") is None else str(value["lane"]),
                until_ms=int(value["untilMs"]),
                end=end,
            )
        except (KeyError, TypeError, ValueError):
            return None


def read(slot_value: Any) -> list[RunningEffect]:
    """Entries from `GetPersistentData`'s `slotValue` (absent or garbled: none)."""
    if not isinstance(slot_value, Mapping):
        return []
    entries = slot_value.get("entries")
    if not isinstance(entries, list):
        return []
    out = [RunningEffect.from_json(e) for e in entries if isinstance(e, Mapping)]
    return [e for e in out if e is not None]


def get_request() -> dict[str, Any]:
    return {"requestType": "GetPersistentData", "requestData": {"realm": REALM, "slotName": SLOT}}


def set_request(entries: Iterable[RunningEffect]) -> dict[str, Any]:
    """The `SetPersistentData` request that stores exactly `entries`."""
    return {
        "requestType": "SetPersistentData",
        "requestData": {
            "realm": REALM,
            "slotName": SLOT,
            "slotValue": {"entries": [e.to_json() for e in entries]},
        },
    }
