"""An effect as OBS requests (`Plan`), and what only OBS can tell after its start
(`Outcome`): what the planners of draw.py make and their callers send."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .connection import ExecutionType, ObsConnection, sleep_frames, sleep_ms


@dataclass(frozen=True)
class Outcome:
    """What a start produced that only OBS can tell, asked for after it (a replay's file).

    `poll` asks once (one round trip) and returns the delivery's reason when OBS has an
    answer, None while it has not yet; callers ask again every `every_s`, for `within_s`
    at most, then fail with `late`.
    """

    poll: Callable[[ObsConnection], str | None]
    late: str
    within_s: float = 10.0
    every_s: float = 0.05


@dataclass(frozen=True)
class Plan:
    """One effect as OBS requests: start it, and (after `duration_ms`) end it.

    `end` puts back everything `start` changed, so sending it twice, or after
    the effect already ended, is harmless. `duration_ms` 0 means there is
    nothing to end (a hotkey, a scene switch that stays, a filter left on).
    """

    start: list[dict[str, Any]]
    end: list[dict[str, Any]] = field(default_factory=list)
    duration_ms: int = 0
    # SERIAL_FRAME for a frame-by-frame animation (shake, move, filter-ramp).
    execution_type: ExecutionType = ExecutionType.SERIAL_REALTIME
    # What the delivery's reason says even when it is shown ("font fallback: ..."),
    # known when planning; what only OBS can tell after the start is `outcome`.
    notes: tuple[str, ...] = ()
    # SerialFrame plans that animate back (move, filter-ramp): the frames that lead into
    # `end` when the effect ends on time, and how long they take. `end` alone still puts
    # back exactly what `start` changed (a stop, a replace, an agent that was killed).
    back: list[dict[str, Any]] = field(default_factory=list)
    back_ms: int = 0
    # In a self-timed SerialFrame batch: the frames to wait between start and back (a
    # shake has none: its animation is the wait).
    hold_frames: int = 0
    # How long a SerialFrame start runs on in OBS after it is sent (an entrance, a
    # shake): ending the effect sooner would be undone by its later frames, so a stop
    # or a replace waits this long after the start (agent/stage.py).
    settle_ms: int = 0
    outcome: Outcome | None = None

    def self_timed(self) -> list[dict[str, Any]]:
        """Start, wait and end as one batch OBS runs to the end by itself."""
        if not self.end:
            return list(self.start)
        if self.execution_type == ExecutionType.SERIAL_FRAME:
            return [*self.start, *wait_frames(self.hold_frames), *self.back, *self.end]
        return [*self.start, *sleep_ms(self.duration_ms), *self.end]


def wait_frames(frames: int) -> list[dict[str, Any]]:
    """`Sleep` entries for `frames` frames of a SerialFrame batch (OBS caps one Sleep)."""
    out: list[dict[str, Any]] = []
    remaining = max(0, frames)
    while remaining > 0:
        step = min(remaining, 10_000)
        out.append(sleep_frames(step))
        remaining -= step
    return out


__all__ = ["Outcome", "Plan", "wait_frames"]
