"""How an effect drawn in OBS enters and leaves, frame by frame: pure arithmetic.

The kit's `motionIntensity` (1..5) sets it, by the same numbers as the overlay page's
`timing()` in overlay.js, so an effect moves alike in both (docs/EFFECTS.md "Motion"):
at 1 an effect only fades, quickly; each step up it travels further, overshoots more
and arrives faster. A `Pose` is how one frame looks; `enter`, `leave` and `flash`
list the keyframes, and `sample` turns keyframes into one pose per video frame. The
last pose is exactly the last keyframe, so an entrance ends exactly at rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from .easing import CURVES, frames_for

MIN_INTENSITY, MAX_INTENSITY = 1, 5
# An entrance and an exit together take at most this share of the effect's duration.
MOTION_BUDGET = 0.8


@dataclass(frozen=True)
class Timing:
    """One effect's motion: how long in and out take, how far it travels (px of a
    1080-line picture, like the kit's sizes) and how much it overshoots (a share)."""

    enter_ms: int
    exit_ms: int
    distance: float
    overshoot: float


def intensity(value: object) -> int:
    """A render's `motionIntensity` as 1..5 (3 when absent or unreadable)."""
    try:
        number = round(float(str(value)))
    except ValueError:
        return 3
    return max(MIN_INTENSITY, min(MAX_INTENSITY, number))


def timing(duration_ms: int, motion: int) -> Timing:
    """The motion of an effect shown for `duration_ms` in a kit at intensity `motion`."""
    step = intensity(motion) - 1
    enter = 450.0 - 50 * step
    leave = 400.0 - 40 * step
    budget = duration_ms * MOTION_BUDGET
    if enter + leave > budget:
        shrink = budget / (enter + leave)
        enter, leave = enter * shrink, leave * shrink
    return Timing(round(enter), round(leave), 50.0 * step, 0.0375 * step)


@dataclass(frozen=True)
class Pose:
    """How an effect's items look in one frame: opacity 0..1, how far below their
    resting place (px of a 1080-line picture) and their size (1 is at rest)."""

    opacity: float = 1.0
    drop: float = 0.0
    scale: float = 1.0


REST = Pose()
Keyframes = Sequence[tuple[float, Pose]]  # (offset 0..1 into the animation, pose)


def _mix(a: Pose, b: Pose, along: float) -> Pose:
    return Pose(
        a.opacity + (b.opacity - a.opacity) * along,
        a.drop + (b.drop - a.drop) * along,
        a.scale + (b.scale - a.scale) * along,
    )


def pose_at(keys: Keyframes, offset: float) -> Pose:
    """The pose `offset` (0..1) of the way through `keys`, straight lines between them."""
    if offset <= keys[0][0]:
        return keys[0][1]
    for (at_a, a), (at_b, b) in pairwise(keys):
        if offset <= at_b:
            span = at_b - at_a
            return _mix(a, b, (offset - at_a) / span if span > 0 else 1.0)
    return keys[-1][1]


def sample(keys: Keyframes, millis: int, fps: float, easing: str = "linear") -> list[Pose]:
    """One pose per frame of an animation `millis` long, after its first frame
    (which is `keys[0]`); `easing` bends time as a whole, as the overlay's does. The
    last pose is exactly the last keyframe; none when there is no time."""
    frames = frames_for(millis, fps)
    curve = CURVES.get(easing, CURVES["linear"])
    poses = [pose_at(keys, curve(i / frames)) for i in range(1, frames)]
    return [*poses, keys[-1][1]] if frames else []


# -- the keyframes, as overlay.js draws them ---------------------------------------------


def banner_enter(t: Timing) -> Keyframes:
    """Rises from below, a little past its place, and settles; fading in on the way."""
    return ((0.0, Pose(0.0, t.distance)), (0.7, Pose(1.0, -0.1 * t.distance)), (1.0, REST))


def banner_leave(t: Timing) -> Keyframes:
    """Fades out, sinking half the distance."""
    return ((0.0, REST), (1.0, Pose(0.0, 0.5 * t.distance)))


def image_enter(t: Timing) -> Keyframes:
    """Grows from small to a little over its size and settles, fading in."""
    small = max(0.2, 1 - 2.5 * t.overshoot)
    return ((0.0, Pose(0.0, 0.0, small)), (0.7, Pose(1.0, 0.0, 1 + t.overshoot)), (1.0, REST))


def image_leave(t: Timing) -> Keyframes:
    """Fades out, shrinking a little."""
    return ((0.0, REST), (1.0, Pose(0.0, 0.0, 1 - t.overshoot)))


@dataclass(frozen=True)
class FlashEnvelope:
    """A flash's opacity over its whole duration: in by `rise`, full until `fall`, out
    by the end (shares of the duration). Calm kits fade in gently, wild ones hit at
    once (overlay.js `playFlash`)."""

    rise: float
    fall: float

    def enter(self) -> Keyframes:
        return ((0.0, Pose(0.0)), (1.0, REST))

    def leave(self) -> Keyframes:
        return ((0.0, REST), (1.0, Pose(0.0)))


def flash(motion: int) -> FlashEnvelope:
    rise = 0.45 - 0.08 * (intensity(motion) - 1)
    return FlashEnvelope(rise, min(0.9, rise + 0.25))


__all__ = [
    "REST",
    "FlashEnvelope",
    "Pose",
    "Timing",
    "banner_enter",
    "banner_leave",
    "flash",
    "image_enter",
    "image_leave",
    "intensity",
    "pose_at",
    "sample",
    "timing",
]
