"""Plans for the kinds that animate one of the streamer's own things and put it back.

`move` eases a source's transform (position, scale, rotation) in a scene to a target,
`filter-ramp` eases a filter's numeric settings (docs/EFFECTS.md). Both are
frame-timed, like a shake: `start` is a SerialFrame batch that goes from where the
thing is to the target one frame at a time, at the canvas fps (GetVideoSettings); the
effect's durationMs is the hold; `back` eases home again, and `end` then sets the values
found before the start, exactly. `end` alone is also a whole ending (a stop, a replace,
an agent that was killed): it snaps home. Registered in `draw.DRAWERS` when `draw`
is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .connection import ExecutionType, ObsConnection, request, sleep_frames
from .draw import _STATUS_NOT_FOUND, DRAWERS, Plan, _duration, _remember
from .easing import between, frames_for, progress, video_fps
from .errors import ObsError, ObsRequestFailed
from .setup import ON_AIR, Stage

Values = Mapping[str, float]
# The requests that set some values (one frame's worth).
Setter = Callable[[Values], list[dict[str, Any]]]


def tween(
    start: Values, target: Values, frames: int, easing: str, put: Setter
) -> list[dict[str, Any]]:
    """`frames` frames of `put`, eased from `start` to `target`; the last one sets `target`."""
    out: list[dict[str, Any]] = []
    for along in progress(frames, easing):
        out += [*put({k: between(start[k], v, along) for k, v in target.items()}), sleep_frames(1)]
    return out


def _animated(
    video: Mapping[str, Any],
    render: Mapping[str, Any],
    home: Values,
    target: Values,
    put: Setter,
    before: list[dict[str, Any]],
    end: list[dict[str, Any]],
) -> Plan:
    """The plan that eases `home` -> `target`, holds, eases back, then sends `end`.

    `before` runs first in the start (turning a filter on); `end` puts back exactly
    what was there before.
    """
    fps = video_fps(video)
    animate_ms = int(render.get("animateMs") or 0)
    hold_ms = _duration(render)
    frames = frames_for(animate_ms, fps)
    easing = str(render.get("easing") or "ease-in-out")
    if frames == 0:  # no way there: jump, hold, jump back
        return Plan(start=[*before, *put(target)], end=end, duration_ms=hold_ms)
    return Plan(
        start=[*before, *tween(home, target, frames, easing, put)],
        end=end,
        duration_ms=animate_ms + hold_ms,
        execution_type=ExecutionType.SERIAL_FRAME,
        back=tween(target, {k: home[k] for k in target}, frames, easing, put),
        back_ms=animate_ms,
        hold_frames=frames_for(hold_ms, fps),
        settle_ms=animate_ms,
    )


def _total_ms(render: Mapping[str, Any]) -> int:
    """How long the whole effect lasts, there and back."""
    return 2 * int(render.get("animateMs") or 0) + _duration(render)


# -- move -------------------------------------------------------------------------------

TRANSFORM = ("positionX", "positionY", "scaleX", "scaleY", "rotation")


def move_target(home: Values, to: Mapping[str, Any]) -> dict[str, float]:
    """The transform values a move's `to` (docs/RENDER.md) changes, from `home`."""
    out: dict[str, float] = {}
    for axis, absolute, relative in (("positionX", "x", "dx"), ("positionY", "y", "dy")):
        if absolute in to:
            out[axis] = float(to[absolute])
        elif relative in to:
            out[axis] = home[axis] + float(to[relative])
    if "scale" in to:
        out["scaleX"] = out["scaleY"] = float(to["scale"])
    elif "scaleBy" in to:
        out["scaleX"] = home["scaleX"] * float(to["scaleBy"])
        out["scaleY"] = home["scaleY"] * float(to["scaleBy"])
    if "rotation" in to:
        out["rotation"] = float(to["rotation"])
    elif "rotateBy" in to:
        out["rotation"] = home["rotation"] + float(to["rotateBy"])
    return out


@DRAWERS.register("move")
def _move(
    conn: ObsConnection,
    render: Mapping[str, Any],
    _asset: str | None,
    self_timed: bool,
    _stage: Stage = ON_AIR,
) -> Plan:
    source = str(render.get("source") or "")
    first = [request("GetVideoSettings")]
    if not render.get("scene"):
        first.append(request("GetCurrentProgramScene"))
    answers = [r.data for r in _checked(conn, first)]
    video = answers[0]
    scene = str(render.get("scene") or answers[1]["currentProgramSceneName"])
    try:
        item_id = int(
            conn.call("GetSceneItemId", {"sceneName": scene, "sourceName": source})["sceneItemId"]
        )
    except ObsRequestFailed as exc:
        if exc.code != _STATUS_NOT_FOUND:
            raise
        raise ObsError(
            f"OBS has no source {source!r} in scene {scene!r}: "
            "check the move effect's source and scene names."
        ) from exc
    found = conn.call("GetSceneItemTransform", {"sceneName": scene, "sceneItemId": item_id})
    transform = found["sceneItemTransform"]
    home: Values = {key: float(transform[key]) for key in TRANSFORM}
    if self_timed:
        # Fired again while an earlier move of this item runs: go home to where it was
        # before the first one, not to where the first one has taken it.
        home = _remember(
            conn,
            f"streamfx.move:{scene}:{item_id}",
            dict(home),
            {"scene": scene, "item": item_id},
            _total_ms(render) + 1000,
        )
    target = move_target(home, render.get("to") or {})
    if not target:
        raise ValueError("the move has nowhere to go")

    def put(values: Values) -> list[dict[str, Any]]:
        return [
            request(
                "SetSceneItemTransform",
                {"sceneName": scene, "sceneItemId": item_id, "sceneItemTransform": dict(values)},
            )
        ]

    return _animated(video, render, home, target, put, [], put({k: home[k] for k in target}))


# -- filter-ramp ------------------------------------------------------------------------


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@DRAWERS.register("filter-ramp")
def _filter_ramp(
    conn: ObsConnection,
    render: Mapping[str, Any],
    _asset: str | None,
    self_timed: bool,
    _stage: Stage = ON_AIR,
) -> Plan:
    source, name = str(render.get("source") or ""), str(render.get("filter") or "")
    video_answer, filter_answer = conn.batch(
        [
            request("GetVideoSettings"),
            request("GetSourceFilter", {"sourceName": source, "filterName": name}),
        ]
    )
    video_answer.raise_for_status()
    if filter_answer.code == _STATUS_NOT_FOUND:
        raise ObsError(
            f"OBS has no filter {name!r} on {source!r}: "
            "check the filter-ramp effect's source and filter names."
        )
    filter_answer.raise_for_status()
    info = filter_answer.data
    # OBS lists only the settings changed from their defaults: the rest are the kind's.
    defaults = conn.call(
        "GetSourceFilterDefaultSettings", {"filterKind": str(info.get("filterKind") or "")}
    ).get("defaultFilterSettings", {})
    current = {**defaults, **(info.get("filterSettings") or {})}
    wanted = {str(k): float(v) for k, v in (render.get("settings") or {}).items()}
    for key in wanted:
        if not _number(current.get(key)):
            numeric = sorted(k for k, v in current.items() if _number(v))
            raise ObsError(
                f"The filter {name!r} on {source!r} has no number setting {key!r}; "
                f"its number settings are: {', '.join(numeric) or 'none'}."
            )
    home: dict[str, float] = {key: current[key] for key in wanted}
    # What the filter held, as it held it (a default stays unset): the end puts it back.
    original = dict(info.get("filterSettings") or {})
    was_on = bool(info.get("filterEnabled"))
    if self_timed:
        state = _remember(
            conn,
            f"streamfx.filter-ramp:{source}:{name}",
            {"settings": home, "original": original, "enabled": was_on},
            {"source": source, "filter": name},
            _total_ms(render) + 1000,
        )
        home, original = dict(state["settings"]), dict(state["original"])
        was_on = bool(state["enabled"])
    whole = {key for key, value in home.items() if isinstance(value, int)}

    def put(values: Values) -> list[dict[str, Any]]:
        # Whole-number settings (a crop, a size) stay whole on the way.
        settings = {k: round(v) if k in whole else v for k, v in values.items()}
        return [
            request(
                "SetSourceFilterSettings",
                {"sourceName": source, "filterName": name, "filterSettings": settings},
            )
        ]

    def enabled(on: bool) -> list[dict[str, Any]]:
        return [
            request(
                "SetSourceFilterEnabled",
                {"sourceName": source, "filterName": name, "filterEnabled": on},
            )
        ]

    restore = request(
        "SetSourceFilterSettings",
        {"sourceName": source, "filterName": name, "filterSettings": original, "overlay": False},
    )
    # A filter that is off shows nothing: it is on while it ramps, and off again after.
    before, after = ([], []) if was_on else (enabled(True), enabled(False))
    return _animated(video_answer.data, render, home, wanted, put, before, [restore, *after])


def _checked(conn: ObsConnection, requests: list[dict[str, Any]]) -> list[Any]:
    results = conn.batch(requests, halt_on_failure=True)
    for result in results:
        result.raise_for_status()
    return results


__all__ = ["TRANSFORM", "move_target", "tween"]
