"""Entrances and exits for the effects drawn on StreamFX's own sources (banner, flash,
image), as frame-timed OBS requests (docs/EFFECTS.md "Motion").

Each source that fades has a colour-correction filter, `setup.FADE`, at opacity 1.0
at rest; a moving item's transform is changed from its resting one. A plan's `start`
is one SerialFrame batch: the first pose (a step of the way in) and the items turned
on in one frame, then one pose per frame up to rest. `back` is the exit, a pose per
frame, leading into `end`, which hides the items and puts every fade and transform
back as it was at rest. `end` alone is a whole ending too (a stop, a replace, an agent
that was killed and restarted): it snaps back. Pure request building: the look-ups
are the planners' (draw.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import motion
from .connection import ExecutionType, ObsConnection, request, sleep_frames
from .easing import frames_for
from .errors import ObsRequestFailed
from .motion import Pose
from .plan import Plan
from .setup import FADE, Stage

# How one pose places an item: the transform fields it changes (empty: none).
Placer = Callable[[Pose], dict[str, Any]]

_STATUS_NOT_FOUND = 600
_NO_MOTION = "no motion: the fade filters are missing, run `streamfx obs setup`"


@dataclass(frozen=True)
class Actor:
    """One item of an effect: its source (whose fade filter it uses), its scene item,
    and, if it moves, how a pose places it and the fields that put it back at rest."""

    source: str
    item_id: int
    place: Placer | None = None
    rest: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Motion:
    """One effect's motion: the poses of its entrance and of its exit, each one frame
    (the first entrance pose is already part of the way in); how long the effect shows
    in all, and the entrance and exit in ms."""

    enter: Sequence[Pose]
    leave: Sequence[Pose]
    total_ms: int
    enter_ms: int
    exit_ms: int


def fade(source: str, opacity: float) -> dict[str, Any]:
    return request(
        "SetSourceFilterSettings",
        {
            "sourceName": source,
            "filterName": FADE,
            "filterSettings": {"opacity": round(max(0.0, min(1.0, opacity)), 4)},
        },
    )


def _transform(stage: Stage, item_id: int, fields: Mapping[str, Any]) -> dict[str, Any]:
    return request(
        "SetSceneItemTransform",
        {"sceneName": stage.scene, "sceneItemId": item_id, "sceneItemTransform": dict(fields)},
    )


def _enable(stage: Stage, item_id: int, on: bool) -> dict[str, Any]:
    return request(
        "SetSceneItemEnabled",
        {"sceneName": stage.scene, "sceneItemId": item_id, "sceneItemEnabled": on},
    )


def posed(stage: Stage, actors: Sequence[Actor], pose: Pose) -> list[dict[str, Any]]:
    """One frame's requests: every actor's fade, and the place of those that move."""
    out: list[dict[str, Any]] = []
    for actor in actors:
        out.append(fade(actor.source, pose.opacity))
        if actor.place is not None:
            fields = actor.place(pose)
            if fields:
                out.append(_transform(stage, actor.item_id, fields))
    return out


def _frames(stage: Stage, actors: Sequence[Actor], poses: Sequence[Pose]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for pose in poses:
        out += [*posed(stage, actors, pose), sleep_frames(1)]
    return out


def at_rest(stage: Stage, actors: Sequence[Actor]) -> list[dict[str, Any]]:
    """Hide the items, then put their fades and places back as they were at rest."""
    out = [_enable(stage, a.item_id, False) for a in actors]
    out += [fade(a.source, 1.0) for a in actors]
    out += [_transform(stage, a.item_id, a.rest) for a in actors if a.rest]
    return out


def moving_plan(
    stage: Stage,
    actors: Sequence[Actor],
    moves: Motion,
    fps: float,
    *,
    before: Sequence[dict[str, Any]] = (),
    after_show: Sequence[dict[str, Any]] = (),
    notes: tuple[str, ...] = (),
) -> Plan:
    """The plan that shows `actors` with `moves`'s entrance, for its whole time, and
    its exit (`back`) leading into the end at rest."""
    # The first pose goes with turning the items on: the first frame viewers see is
    # already a step of the entrance (a frame at opacity 0 would only add latency).
    first, rest = (moves.enter[0], moves.enter[1:]) if moves.enter else (motion.REST, ())
    start = [
        *before,
        *posed(stage, actors, first),
        *[_enable(stage, a.item_id, True) for a in actors],
        *after_show,
    ]
    if rest:
        start += [sleep_frames(1), *_frames(stage, actors, rest)]
    return Plan(
        start=start,
        end=at_rest(stage, actors),
        duration_ms=max(0, moves.total_ms - moves.exit_ms),
        execution_type=ExecutionType.SERIAL_FRAME,
        notes=notes,
        back=_frames(stage, actors, moves.leave),
        back_ms=moves.exit_ms,
        hold_frames=frames_for(moves.total_ms - moves.enter_ms - moves.exit_ms, fps),
        settle_ms=moves.enter_ms,
    )


def still_plan(
    stage: Stage,
    actors: Sequence[Actor],
    duration_ms: int,
    *,
    before: Sequence[dict[str, Any]] = (),
    after_show: Sequence[dict[str, Any]] = (),
    notes: tuple[str, ...] = (),
) -> Plan:
    """Shown and hidden again with no motion: for an OBS set up before motion came."""
    return Plan(
        start=[*before, *[_enable(stage, a.item_id, True) for a in actors], *after_show],
        end=[_enable(stage, a.item_id, False) for a in reversed(actors)],
        duration_ms=duration_ms,
        notes=(*notes, _NO_MOTION),
    )


def has_fades(conn: ObsConnection, sources: Sequence[str]) -> bool:
    """Whether every one of `sources` has its fade filter (one round trip)."""
    results = conn.batch(
        [request("GetSourceFilter", {"sourceName": s, "filterName": FADE}) for s in sources]
    )
    for result in results:
        if result.code == _STATUS_NOT_FOUND:  # no motion: said in the delivery's reason
            return False
        result.raise_for_status()
    if len(results) < len(sources):
        raise ObsRequestFailed("GetSourceFilter", None, "not run")
    return True


# -- the kinds' motion -------------------------------------------------------------------


def entrance(
    keys_in: motion.Keyframes,
    keys_out: motion.Keyframes,
    timing: motion.Timing,
    total_ms: int,
    fps: float,
) -> Motion:
    """An effect's motion from the overlay's keyframes: in eased out, out eased in."""
    return Motion(
        enter=motion.sample(keys_in, timing.enter_ms, fps, "ease-out"),
        leave=motion.sample(keys_out, timing.exit_ms, fps, "ease-in"),
        total_ms=total_ms,
        enter_ms=timing.enter_ms,
        exit_ms=timing.exit_ms,
    )


def flash_motion(render: Mapping[str, Any], total_ms: int, fps: float) -> Motion:
    """A flash's opacity envelope over its whole duration (overlay.js `playFlash`)."""
    envelope = motion.flash(motion.intensity(render.get("motionIntensity")))
    enter_ms = round(total_ms * envelope.rise)
    exit_ms = round(total_ms * (1 - envelope.fall))
    return Motion(
        enter=motion.sample(envelope.enter(), enter_ms, fps),
        leave=motion.sample(envelope.leave(), exit_ms, fps),
        total_ms=total_ms,
        enter_ms=enter_ms,
        exit_ms=exit_ms,
    )


def slide(rest_y: float, px: float) -> Placer:
    """Places an item `drop` (px of 1080 lines, `px` canvas px each) below `rest_y`."""

    def place(pose: Pose) -> dict[str, Any]:
        return {"positionY": round(rest_y + pose.drop * px, 2)}

    return place


# OBS alignment flags (obs-defs.h): none of left/right or top/bottom is the centre.
_LEFT, _RIGHT, _TOP, _BOTTOM = 1, 2, 4, 8


def _share(flags: int, low: int, high: int) -> float:
    return 0.0 if flags & low else 1.0 if flags & high else 0.5


def _drawn_size(t: Mapping[str, Any], width: float, height: float) -> tuple[float, float]:
    """The size the item draws at: its scale, or its bounds as OBS applies them."""
    kind = str(t.get("boundsType") or "OBS_BOUNDS_NONE")
    if kind == "OBS_BOUNDS_NONE":
        return width * abs(float(t["scaleX"])), height * abs(float(t["scaleY"]))
    bw, bh = float(t["boundsWidth"]), float(t["boundsHeight"])
    if kind == "OBS_BOUNDS_STRETCH":
        return bw, bh
    inner = min(bw / width, bh / height)
    k = {
        "OBS_BOUNDS_SCALE_INNER": inner,
        "OBS_BOUNDS_SCALE_OUTER": max(bw / width, bh / height),
        "OBS_BOUNDS_SCALE_TO_WIDTH": bw / width,
        "OBS_BOUNDS_SCALE_TO_HEIGHT": bh / height,
        "OBS_BOUNDS_MAX_ONLY": inner if width > bw or height > bh else 1.0,
    }.get(kind, 1.0)
    return width * k, height * k


def grow(t: Mapping[str, Any]) -> tuple[Placer, dict[str, Any]] | None:
    """Scaling about its centre for an item at rest at transform `t` (as OBS answers
    it, with the source's size): how a pose places it, and the fields that put it back.
    None when it cannot be scaled exactly (rotated, or nothing to draw yet)."""
    width = float(t["sourceWidth"]) - float(t["cropLeft"]) - float(t["cropRight"])
    height = float(t["sourceHeight"]) - float(t["cropTop"]) - float(t["cropBottom"])
    if width <= 0 or height <= 0 or float(t.get("rotation") or 0) != 0:
        return None
    drawn_w, drawn_h = _drawn_size(t, width, height)
    bounded = str(t.get("boundsType") or "OBS_BOUNDS_NONE") != "OBS_BOUNDS_NONE"
    box_w, box_h = (float(t["boundsWidth"]), float(t["boundsHeight"])) if bounded else (0, 0)
    if not bounded:
        box_w, box_h = drawn_w, drawn_h
    align = int(t.get("alignment") or 0)
    left = float(t["positionX"]) - _share(align, _LEFT, _RIGHT) * box_w
    top = float(t["positionY"]) - _share(align, _TOP, _BOTTOM) * box_h
    if bounded:
        inside = int(t.get("boundsAlignment") or 0)
        left += _share(inside, _LEFT, _RIGHT) * (box_w - drawn_w)
        top += _share(inside, _TOP, _BOTTOM) * (box_h - drawn_h)
    centre_x, centre_y = left + drawn_w / 2, top + drawn_h / 2
    # Every field a pose sets, as it was: unused bounds are part of the item too.
    keys = ("alignment", "positionX", "positionY", "boundsType", "boundsAlignment")
    rest = {k: t[k] for k in (*keys, "boundsWidth", "boundsHeight") if k in t}

    def place(pose: Pose) -> dict[str, Any]:
        return {
            "alignment": 0,
            "positionX": round(centre_x, 2),
            "positionY": round(centre_y, 2),
            "boundsType": "OBS_BOUNDS_STRETCH",
            "boundsAlignment": 0,
            "boundsWidth": round(max(1.0, drawn_w * pose.scale), 2),
            "boundsHeight": round(max(1.0, drawn_h * pose.scale), 2),
        }

    return place, rest


__all__ = [
    "Actor",
    "Motion",
    "at_rest",
    "entrance",
    "fade",
    "flash_motion",
    "grow",
    "has_fades",
    "moving_plan",
    "posed",
    "slide",
    "still_plan",
]
