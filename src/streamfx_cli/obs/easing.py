"""Easing curves and frame-by-frame values for the effects that animate (move, filter-ramp).

Pure arithmetic, unit-tested: `progress` says how far along each frame is, `between`
the value at that point. The last frame is exactly the target, so an animation ends
where it was asked to, and the way back ends exactly where it began (docs/EFFECTS.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

Curve = Callable[[float], float]


def _ease_in(t: float) -> float:
    return t * t * t


def _ease_out(t: float) -> float:
    return 1 - (1 - t) ** 3


def _ease_in_out(t: float) -> float:
    return 4 * t * t * t if t < 0.5 else 1 - (-2 * t + 2) ** 3 / 2


# The names of streamfx_wire.kinds.EASINGS.
CURVES: Mapping[str, Curve] = {
    "ease-in-out": _ease_in_out,
    "linear": lambda t: t,
    "ease-in": _ease_in,
    "ease-out": _ease_out,
}


def frames_for(millis: int, fps: float) -> int:
    """How many frames `millis` lasts at `fps`: at least one when there is any time at all."""
    if millis <= 0:
        return 0
    return max(1, round(millis / 1000 * fps))


def progress(frames: int, easing: str) -> list[float]:
    """How far along (0..1) each of `frames` frames is; the last one is exactly 1.0."""
    curve = CURVES.get(easing, _ease_in_out)
    return [1.0 if i == frames else curve(i / frames) for i in range(1, frames + 1)]


def between(start: float, target: float, along: float) -> float:
    """The value `along` (0..1) the way from `start` to `target`; exact at both ends."""
    if along >= 1.0:
        return target
    if along <= 0.0:
        return start
    return start + (target - start) * along


def video_fps(video: Mapping[str, object]) -> float:
    """Frames per second from a `GetVideoSettings` answer."""
    numerator = float(str(video.get("fpsNumerator") or 30))
    denominator = float(str(video.get("fpsDenominator") or 1))
    return numerator / (denominator or 1.0)
