"""Turn one activation `render` (docs/RENDER.md) into OBS requests.

Each kind has a planner (registered in `DRAWERS`) that makes a `Plan`: the
requests that start the effect (none of them sleeps, except a shake's frame
animation), the requests that end it and put back what it changed, and how long
it shows. Two callers time it differently:

- `draw` (`streamfx fire` and the panel with no agent) sends start, a Sleep and
  end as one RequestBatch that OBS runs by itself, so it returns after a few
  milliseconds and the effect still ends on time if the caller exits or is killed;
- the agent (streamfx_cli.agent) sends start, keeps the time itself and sends end,
  so a five-minute effect does not hold one of obs-websocket's few worker
  threads (docs/AGENT.md "Stream safety").

Only cheap look-ups are waited for. This module is on the hotkey path: keep its
imports light. (Over the size guide on purpose: it is where the kinds of the wire
contract become OBS requests; the animated ones, move and filter-ramp, are planned in
`draw_frames`, and replay in `draw_replay`.)
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from streamfx_wire.kinds import KIND_SPECS, KindTable

from . import banner_layout, draw_motion, fonts, motion
from .connection import ExecutionType, ObsConnection, request, sleep_frames
from .contrast import readable_text_color
from .draw_motion import Actor
from .easing import video_fps
from .errors import ObsError, ObsNotSetUp, ObsRequestFailed
from .plan import Outcome, Plan, wait_frames
from .setup import ON_AIR, SCENE, Stage
from .visibility import joined_reason

# Used when a render says durationMs = 0 for something that must show and
# then hide again; a 0 ms flash would never reach a frame.
DEFAULT_DURATION_MS: dict[str, int] = {
    spec.name: spec.default_duration_ms
    for spec in KIND_SPECS.values()
    if spec.timed and spec.in_obs
}

_STATUS_NOT_FOUND = 600
_PERSIST_REALM = "OBS_WEBSOCKET_DATA_REALM_PROFILE"
# Where shake/scene remember the state to restore, so firing twice in a row
# restores the state before the first firing, not the mid-effect one.
_SLOT_SHAKE = "streamfx.shake"
_SLOT_SCENE = "streamfx.scene"


def obs_color(hex_rgb: str, opacity: float = 1.0) -> int:
    """`#RRGGBB` (+ opacity 0..1) to the ABGR integer OBS stores colours as."""
    value = hex_rgb.strip().lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #RRGGBB colour: {hex_rgb!r}")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    alpha = round(max(0.0, min(1.0, opacity)) * 255)
    return (alpha << 24) | (b << 16) | (g << 8) | r


@dataclass(frozen=True)
class Drawn:
    """An effect OBS started, and what its delivery's reason must say even when it is
    shown: the plan's notes (a banner's font fallback) and what OBS made of it (the file
    a replay was saved to), "; " between; None when there is nothing to say."""

    note: str | None = None


def await_outcome(conn: ObsConnection, outcome: Outcome | None) -> str | None:
    """Ask `outcome` until OBS answers (blocking); None when there is nothing to ask."""
    if outcome is None:
        return None
    give_up = time.monotonic() + outcome.within_s
    while True:
        note = outcome.poll(conn)
        if note is not None:
            return note
        if time.monotonic() >= give_up:
            raise ObsError(outcome.late)
        time.sleep(outcome.every_s)


def plan(
    conn: ObsConnection,
    render: Mapping[str, Any],
    asset_path: str | None = None,
    *,
    self_timed: bool = False,
    stage: Stage = ON_AIR,
) -> Plan | None:
    """The requests for `render`, after the look-ups they need; None: nothing in OBS.

    `self_timed` (the `draw` path) makes shake and scene keep what they restore
    in OBS's persistent data, so firing twice in a row restores the state before
    the first firing. The agent never overlaps two effects of one lane, so it
    reads the state fresh. `stage` is where the sources are drawn: the StreamFX
    scene on air, or `streamfx preview`'s private one. Raises like `draw`.
    """
    kind = str(render.get("kind", ""))
    planner = DRAWERS.get(kind)
    if planner is None:
        raise ObsError(f"StreamFX cannot draw effects of kind {kind!r} in OBS.")
    try:
        return planner(conn, render, asset_path, self_timed, stage)
    except (ValueError, TypeError) as exc:
        # A render the server should never have produced (bad colour, number).
        raise ObsError(f"This {kind} effect cannot be drawn: {exc}.") from exc


def draw(conn: ObsConnection, render: Mapping[str, Any], asset_path: str | None = None) -> bool:
    """Start drawing `render` in OBS; return False if the kind has nothing to do there.

    `asset_path` is the local file for image and media renders (the caller
    downloads the asset). Returns once OBS has started the effect, so the
    caller may disconnect or exit at once. Raises ObsNotSetUp when the
    StreamFX scene or one of its sources is missing, ObsRequestFailed when
    OBS refuses a request, ObsBusy when OBS does not start it in time.
    """
    return draw_noted(conn, render, asset_path) is not None


def draw_noted(
    conn: ObsConnection, render: Mapping[str, Any], asset_path: str | None = None
) -> Drawn | None:
    """`draw`, and what OBS made of it for the delivery (a replay's saved file).

    None when the kind has nothing to do in OBS. Raises like `draw`, and ObsError
    when OBS does not tell what the start produced in time.
    """
    drawing = plan(conn, render, asset_path, self_timed=True)
    if drawing is None:
        return None
    if not drawing.end:
        # Nothing sleeps: wait for the answer, so a refused request is reported.
        start_now(conn, drawing)
        produced = await_outcome(conn, drawing.outcome)
        return Drawn(joined_reason(None, [*drawing.notes, *([produced] if produced else [])]))
    conn.batch(drawing.self_timed(), execution_type=drawing.execution_type, wait=False)
    # Until OBS has started the batch, disconnecting would drop it.
    conn.sync()
    return Drawn(joined_reason(None, drawing.notes))


def start_now(conn: ObsConnection, drawing: Plan, *, before: Sequence[dict[str, Any]] = ()) -> None:
    """Send `before` and the plan's start, waiting only until OBS has started them.

    A frame animation (an entrance, a shake, a move, a filter ramp) has shown its first
    frame when this returns and runs on in OBS; anything else has run. Raises
    ObsRequestFailed for the first refused request.
    """
    first, frames = list(drawing.start), []
    if drawing.execution_type == ExecutionType.SERIAL_FRAME:
        # The first frame (with `before`, the agent's record of what runs) is sent and
        # waited for: a refused request is reported, and nothing sent later can run
        # before it. The other frames follow one per frame, left to run in OBS.
        cut = next(
            (i for i, r in enumerate(drawing.start) if r["requestType"] == "Sleep"),
            len(drawing.start),
        )
        first, frames = first[:cut], first[cut:]
    for result in conn.batch([*before, *first], halt_on_failure=True):
        result.raise_for_status()
    if frames:
        conn.batch(frames, execution_type=ExecutionType.SERIAL_FRAME, wait=False)
        conn.sync()


def end_now(conn: ObsConnection, requests: Sequence[dict[str, Any]]) -> None:
    """Send an effect's end requests and wait for them; a missing item is no error.

    Ending is best effort by design: the streamer may have deleted a source or
    scene since, and the rest must still be put back.
    """
    for result in conn.batch(requests, halt_on_failure=False):
        if not result.ok and result.code != _STATUS_NOT_FOUND:
            result.raise_for_status()


# -- helpers -----------------------------------------------------------------


def _duration(render: Mapping[str, Any]) -> int:
    ms = int(render.get("durationMs") or 0)
    return ms if ms > 0 else DEFAULT_DURATION_MS.get(str(render.get("kind")), 0)


def _lookup(conn: ObsConnection, requests: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run look-ups in one round trip; a missing StreamFX thing means no setup."""
    results = conn.batch(requests, halt_on_failure=True)
    for entry, result in zip(requests, results, strict=False):
        if result.ok:
            continue
        names = entry.get("requestData", {})
        if result.code == _STATUS_NOT_FOUND and any(
            str(v).startswith(SCENE) for v in names.values()
        ):
            raise ObsNotSetUp()
        result.raise_for_status()
    if len(results) < len(requests):
        raise ObsRequestFailed(requests[len(results)]["requestType"], None, "not run")
    return [r.data for r in results]


def _item_id(stage: Stage, source: str) -> dict[str, Any]:
    return request("GetSceneItemId", {"sceneName": stage.scene, "sourceName": source})


def _enable(item_id: int, enabled: bool, scene: str) -> dict[str, Any]:
    return request(
        "SetSceneItemEnabled",
        {"sceneName": scene, "sceneItemId": item_id, "sceneItemEnabled": enabled},
    )


def _shown_for(
    stage: Stage,
    item_id: int,
    duration_ms: int,
    before: Sequence[dict[str, Any]] = (),
    after_show: Sequence[dict[str, Any]] = (),
) -> Plan:
    """Show a StreamFX item (after `before`) and hide it again after `duration_ms`.

    Firing again while an effect shows restarts its content; with `draw`, the
    first batch's hide still ends it at the first firing's time.
    """
    return Plan(
        start=[*before, _enable(item_id, True, stage.scene), *after_show],
        end=[_enable(item_id, False, stage.scene)],
        duration_ms=duration_ms,
    )


def _remember(
    conn: ObsConnection,
    slot: str,
    fresh: dict[str, Any],
    key: Mapping[str, Any],
    until_ms: int,
    reuse: bool = True,
) -> dict[str, Any]:
    """The state to restore: the stored one if an earlier firing still runs.

    `key` must match for the stored state to count (same scene, same item).
    """
    stored = conn.call("GetPersistentData", {"realm": _PERSIST_REALM, "slotName": slot}).get(
        "slotValue"
    )
    now_ms = int(time.time() * 1000)
    if (
        reuse
        and isinstance(stored, dict)
        and stored.get("untilMs", 0) > now_ms
        and all(stored.get(k) == v for k, v in key.items())
    ):
        state = dict(stored.get("state", {}))
        stored_until = int(stored["untilMs"])
    else:
        state, stored_until = fresh, 0
    conn.call(
        "SetPersistentData",
        {
            "realm": _PERSIST_REALM,
            "slotName": slot,
            "slotValue": {**key, "state": state, "untilMs": max(stored_until, now_ms + until_ms)},
        },
    )
    return state


# -- kinds -------------------------------------------------------------------

# Plans one render (with its local file, if any, whether `draw` times it in OBS,
# and the stage whose sources it uses); None when OBS has nothing to do for it.
# One per kind of streamfx_wire.kinds (tests/unit/test_wire.py).
Planner = Callable[[ObsConnection, Mapping[str, Any], str | None, bool, Stage], Plan | None]
DRAWERS: KindTable[Planner] = KindTable()


def banner_font(render: Mapping[str, Any]) -> fonts.FontChoice:
    """The face a banner is drawn in: the kit's heading font, or the fallback."""
    font = render.get("font") or {}
    heading = str(font.get("heading") or font.get("body") or fonts.OBS_DEFAULT_FACE)
    body = str(font.get("body") or "")
    return fonts.choose(heading, [body] if body and body != heading else [])


def _text_settings(
    render: Mapping[str, Any], face: str, size: int, color: int, wrap_width: int
) -> dict[str, Any]:
    return {
        "text": str(render.get("text", "")),
        "font": {"face": face, "size": size, "style": "Bold", "flags": 1},  # 1: bold
        # text_ft2 draws a vertical gradient color1 -> color2; same = solid.
        "color1": color,
        "color2": color,
        # GDI+ text (Windows) reads `color` instead.
        "color": color,
        # Long text wraps at the widest the bar may be (0: one line).
        "word_wrap": wrap_width > 0,
        "custom_width": wrap_width,
    }


def _measure(
    conn: ObsConnection,
    stage: Stage,
    text_item: int,
    settings: dict[str, Any],
    where: banner_layout.BannerHome,
) -> tuple[float, float]:
    """Set the banner's text and read the size OBS gives it: text sources take new
    settings on the next video frame, so this waits one frame (SerialFrame batch)."""
    shape = _transform_next_frame(
        conn,
        stage,
        text_item,
        [
            request("SetInputSettings", {"inputName": stage.text, "inputSettings": settings}),
            _placed(stage, text_item, where.text_transform()),
        ],
    )
    return float(shape["sourceWidth"]), float(shape["sourceHeight"])


def _transform_next_frame(
    conn: ObsConnection, stage: Stage, item_id: int, changes: list[dict[str, Any]]
) -> dict[str, Any]:
    """Send `changes`, wait one frame (a source takes new settings on the next one) and
    read the item's transform, with its source's new size, in one SerialFrame batch."""
    results = conn.batch(
        [
            *changes,
            sleep_frames(1),
            request("GetSceneItemTransform", {"sceneName": stage.scene, "sceneItemId": item_id}),
        ],
        halt_on_failure=True,
        execution_type=ExecutionType.SERIAL_FRAME,
    )
    for result in results:
        result.raise_for_status()
    if len(results) < len(changes) + 2:
        raise ObsRequestFailed("GetSceneItemTransform", None, "not run")
    return dict(results[-1].data["sceneItemTransform"])


def _placed(stage: Stage, item: int, transform: dict[str, Any]) -> dict[str, Any]:
    return request(
        "SetSceneItemTransform",
        {"sceneName": stage.scene, "sceneItemId": item, "sceneItemTransform": transform},
    )


@DRAWERS.register("text")
def _text(
    conn: ObsConnection, render: Mapping[str, Any], _asset: str | None, _st: bool, stage: Stage
) -> Plan:
    """The banner: a bar in the render's background with an accent stripe under it and
    the text on it, in the lower third (banner_layout). Start sizes the bar to the text
    and shows the three items; end hides them. No item moves: only the sizes of the
    stage's own (hidden) sources change, so nothing else needs putting back."""
    text, bar, stripe, video = _lookup(
        conn,
        [
            _item_id(stage, stage.text),
            _item_id(stage, stage.bar),
            _item_id(stage, stage.stripe),
            request("GetVideoSettings"),
        ],
    )
    colors = render.get("colors") or {}
    font = render.get("font") or {}
    background = str(render.get("background") or colors.get("primary") or "#000000")
    accent = str(colors.get("accent") or background)
    wanted = str(render.get("color") or colors.get("text") or "#FFFFFF")
    palette = [str(c) for c in colors.values()]
    color = obs_color(readable_text_color(wanted, background, palette))
    where = banner_layout.home(int(video["baseWidth"]), int(video["baseHeight"]))
    px = banner_layout.font_px(int(font.get("size") or 48), where.canvas_height)
    face = banner_font(render)
    text_id = int(text["sceneItemId"])
    settings = _text_settings(render, face.used, px, color, 0)
    width, height = _measure(conn, stage, text_id, settings, where)
    if width > where.max_text_width:
        settings = _text_settings(render, face.used, px, color, where.max_text_width)
        width, height = _measure(conn, stage, text_id, settings, where)
    size = banner_layout.fitted(where, width, height)
    bar_id, stripe_id = int(bar["sceneItemId"]), int(stripe["sceneItemId"])
    # Colour sources too take new settings on the next frame: set them now and wait one,
    # so the first frame the banner shows in already has the right sizes.
    for result in conn.batch(
        [
            request(
                "SetInputSettings",
                {
                    "inputName": stage.bar,
                    "inputSettings": {
                        "color": obs_color(background),
                        "width": size.bar_width,
                        "height": size.bar_height,
                    },
                },
            ),
            request(
                "SetInputSettings",
                {
                    "inputName": stage.stripe,
                    "inputSettings": {
                        "color": obs_color(accent),
                        "width": size.stripe_width,
                        "height": size.stripe_height,
                    },
                },
            ),
            _placed(stage, bar_id, where.bar_transform()),
            _placed(stage, stripe_id, where.stripe_transform()),
            sleep_frames(1),
        ],
        halt_on_failure=True,
        execution_type=ExecutionType.SERIAL_FRAME,
    ):
        result.raise_for_status()
    note = face.note
    notes = (note,) if note else ()
    duration = _duration(render)
    if not draw_motion.has_fades(conn, [stage.stripe, stage.bar, stage.text]):
        return draw_motion.still_plan(
            stage,
            [Actor(stage.stripe, stripe_id), Actor(stage.bar, bar_id), Actor(stage.text, text_id)],
            duration,
            notes=notes,
        )
    # Every item slides by the same amount from its own resting place (banner_layout).
    scale = where.canvas_height / banner_layout.REFERENCE_HEIGHT
    actors = [
        _sliding(stage.stripe, stripe_id, where.stripe_transform(), scale),
        _sliding(stage.bar, bar_id, where.bar_transform(), scale),
        _sliding(stage.text, text_id, where.text_transform(), scale),
    ]
    timing = motion.timing(duration, motion.intensity(render.get("motionIntensity")))
    moves = draw_motion.entrance(
        motion.banner_enter(timing), motion.banner_leave(timing), timing, duration, video_fps(video)
    )
    return draw_motion.moving_plan(stage, actors, moves, video_fps(video), notes=notes)


def _sliding(source: str, item_id: int, rest: Mapping[str, Any], px: float) -> Actor:
    rest_y = float(rest["positionY"])
    return Actor(source, item_id, draw_motion.slide(rest_y, px), {"positionY": rest_y})


@DRAWERS.register("flash")
def _flash(
    conn: ObsConnection, render: Mapping[str, Any], _asset: str | None, _st: bool, stage: Stage
) -> Plan:
    item, video = _lookup(conn, [_item_id(stage, stage.flash), request("GetVideoSettings")])
    colors = render.get("colors") or {}
    opacity = render.get("opacity")
    settings = {
        "color": obs_color(
            str(render.get("color") or colors.get("primary") or "#FFFFFF"),
            1.0 if opacity is None else float(opacity),
        ),
        # Cover the canvas even if its size changed since setup.
        "width": int(video["baseWidth"]),
        "height": int(video["baseHeight"]),
    }
    before = [request("SetInputSettings", {"inputName": stage.flash, "inputSettings": settings})]
    actors = [Actor(stage.flash, int(item["sceneItemId"]))]
    duration = _duration(render)
    if not draw_motion.has_fades(conn, [stage.flash]):
        return draw_motion.still_plan(stage, actors, duration, before=before)
    fps = video_fps(video)
    moves = draw_motion.flash_motion(render, duration, fps)
    return draw_motion.moving_plan(stage, actors, moves, fps, before=before)


def _need_file(render: Mapping[str, Any], asset_path: str | None) -> str:
    if not asset_path:
        name = (render.get("effect") or {}).get("name") or render.get("kind")
        raise ObsError(
            f"The file for {name!r} is not available on this computer, so OBS cannot show it."
        )
    # OBS resolves relative paths against its own working directory.
    return os.path.abspath(asset_path)


@DRAWERS.register("image")
def _image(
    conn: ObsConnection,
    render: Mapping[str, Any],
    asset_path: str | None,
    self_timed: bool,
    stage: Stage,
) -> Plan:
    """The image grows in and fades in, shows, and fades out shrinking a little: about
    its centre, wherever the streamer has placed and sized the item."""
    path = _need_file(render, asset_path)
    item, video = _lookup(conn, [_item_id(stage, stage.image), request("GetVideoSettings")])
    item_id = int(item["sceneItemId"])
    set_file = request(
        "SetInputSettings", {"inputName": stage.image, "inputSettings": {"file": path}}
    )
    duration = _duration(render)
    if not draw_motion.has_fades(conn, [stage.image]):
        return draw_motion.still_plan(
            stage, [Actor(stage.image, item_id)], duration, before=[set_file]
        )
    timing = motion.timing(duration, motion.intensity(render.get("motionIntensity")))
    actor = Actor(stage.image, item_id)
    before = [set_file]
    if timing.overshoot > 0:
        # The image's size is known on the frame after its file is set: set it now.
        rest = _image_rest(conn, stage, item_id, set_file, self_timed, timing, duration)
        grown = draw_motion.grow(rest)
        if grown is not None:
            actor = Actor(stage.image, item_id, grown[0], grown[1])
            before = []
    fps = video_fps(video)
    moves = draw_motion.entrance(
        motion.image_enter(timing), motion.image_leave(timing), timing, duration, fps
    )
    return draw_motion.moving_plan(stage, [actor], moves, fps, before=before)


def _image_rest(
    conn: ObsConnection,
    stage: Stage,
    item_id: int,
    set_file: dict[str, Any],
    self_timed: bool,
    timing: motion.Timing,
    duration: int,
) -> dict[str, Any]:
    """The image item's transform at rest, with the new file's size: set the file, wait
    a frame, read it. Fired again while an earlier image still moves (`draw`), its place
    is the one from before the first."""
    found = _transform_next_frame(conn, stage, item_id, [set_file])
    if not self_timed:
        return found
    size = ("sourceWidth", "sourceHeight", "cropLeft", "cropRight", "cropTop", "cropBottom")
    placed = {k: v for k, v in found.items() if k not in size}
    kept = _remember(
        conn,
        f"streamfx.image:{stage.scene}:{item_id}",
        placed,
        {"scene": stage.scene, "item": item_id},
        duration + timing.exit_ms + 1000,
    )
    return {**found, **kept}


@DRAWERS.register("media")
def _media(
    conn: ObsConnection,
    render: Mapping[str, Any],
    asset_path: str | None,
    _st: bool,
    stage: Stage,
) -> Plan:
    path = _need_file(render, asset_path)
    media = stage.media
    (item,) = _lookup(conn, [_item_id(stage, media)])
    volume = render.get("volume")
    before = [
        request(
            "SetInputSettings",
            {
                "inputName": media,
                "inputSettings": {
                    "is_local_file": True,
                    "local_file": path,
                    "restart_on_activate": True,
                },
            },
        )
    ]
    if volume is not None:
        before.append(
            request(
                "SetInputVolume",
                {"inputName": media, "inputVolumeMul": max(0.0, min(1.0, float(volume)))},
            )
        )
    return _shown_for(
        stage,
        item["sceneItemId"],
        _duration(render),
        before=before,
        after_show=[
            request(
                "TriggerMediaInputAction",
                {"inputName": media, "mediaAction": "OBS_WEBSOCKET_MEDIA_INPUT_ACTION_RESTART"},
            )
        ],
    )


def shake_offsets(
    amplitude: float, frequency_hz: float, frames: int, fps: float
) -> list[tuple[float, float]]:
    """Per-frame (dx, dy): a decaying wobble that ends exactly at rest."""
    out: list[tuple[float, float]] = []
    for i in range(frames):
        t = i / fps
        decay = 1.0 - i / frames
        dx = amplitude * decay * math.sin(2 * math.pi * frequency_hz * t)
        dy = 0.5 * amplitude * decay * math.sin(2 * math.pi * frequency_hz * 1.3 * t + 1.1)
        out.append((round(dx, 2), round(dy, 2)))
    return out


@DRAWERS.register("shake")
def _shake(
    conn: ObsConnection,
    render: Mapping[str, Any],
    _asset: str | None,
    self_timed: bool,
    stage: Stage,
) -> Plan:
    """Wobble every item of the program scene (or the stage's `shake_scene`), frame by
    frame, then put each back.

    Moving the whole layout (camera, game, StreamFX on top) is what makes the
    picture shake; the StreamFX sources alone are usually hidden. The animation
    is one SerialFrame batch even for the agent: it must follow the frames, and
    it is short (a shake holds an OBS worker thread for its duration only).
    """
    if stage.shake_scene is None:
        program, video = _lookup(
            conn, [request("GetCurrentProgramScene"), request("GetVideoSettings")]
        )
        scene = str(program["currentProgramSceneName"])
    else:
        (video,) = _lookup(conn, [request("GetVideoSettings")])
        scene = stage.shake_scene
    items = conn.call("GetSceneItemList", {"sceneName": scene}).get("sceneItems", [])
    if not items:
        raise ObsError(f"The scene {scene!r} is empty, so there is nothing to shake.")
    duration = _duration(render)
    # JSON object keys are strings: item ids are kept as such in the slot.
    fresh = {
        str(i["sceneItemId"]): [
            i["sceneItemTransform"]["positionX"],
            i["sceneItemTransform"]["positionY"],
        ]
        for i in items
    }
    home = fresh
    if self_timed:
        home = _remember(
            conn,
            _SLOT_SHAKE,
            {"positions": fresh},
            {"scene": scene, "items": sorted(fresh)},
            duration + 1000,
        )["positions"]
    fps = float(video["fpsNumerator"]) / float(video["fpsDenominator"] or 1)
    frames = max(2, round(duration / 1000 * fps))
    amplitude = float(render.get("amplitude") or 10 * int(render.get("motionIntensity") or 3))
    frequency = float(render.get("frequencyHz") or 12)

    def move_all(dx: float, dy: float) -> list[dict[str, Any]]:
        return [
            request(
                "SetSceneItemTransform",
                {
                    "sceneName": scene,
                    "sceneItemId": int(item_id),
                    "sceneItemTransform": {"positionX": x + dx, "positionY": y + dy},
                },
            )
            for item_id, (x, y) in home.items()
        ]

    steps: list[dict[str, Any]] = []
    for dx, dy in shake_offsets(amplitude, frequency, frames, fps):
        steps += [*move_all(dx, dy), sleep_frames(1)]
    return Plan(
        start=steps,
        end=move_all(0, 0),  # x + 0.0 is x: each item ends exactly where it was
        duration_ms=duration,
        execution_type=ExecutionType.SERIAL_FRAME,
        settle_ms=duration,
    )


@DRAWERS.register("scene")
def _scene(
    conn: ObsConnection,
    render: Mapping[str, Any],
    _asset: str | None,
    self_timed: bool,
    _stage: Stage,
) -> Plan:
    target = str(render.get("scene") or "")
    program, scene_list = _lookup(
        conn, [request("GetCurrentProgramScene"), request("GetSceneList")]
    )
    if target not in {s["sceneName"] for s in scene_list.get("scenes", [])}:
        raise ObsRequestFailed(
            "SetCurrentProgramScene",
            _STATUS_NOT_FOUND,
            message=f"OBS has no scene named {target!r}: check the effect's scene name.",
        )
    current = str(program["currentProgramSceneName"])
    back_ms = int(render.get("returnAfterMs") or 0)
    switch = request("SetCurrentProgramScene", {"sceneName": target})
    if back_ms <= 0:
        return Plan(start=[switch])
    home = {"sceneName": current}
    if self_timed:
        # Only while the target is still showing can an earlier firing be running.
        home = _remember(
            conn,
            _SLOT_SCENE,
            home,
            {"target": target},
            back_ms + 1000,
            reuse=current == target,
        )
    return Plan(
        start=[switch],
        end=[request("SetCurrentProgramScene", {"sceneName": home["sceneName"]})],
        duration_ms=back_ms,
    )


@DRAWERS.register("filter")
def _filter(
    conn: ObsConnection, render: Mapping[str, Any], _asset: str | None, _st: bool, _sg: Stage
) -> Plan:
    source, name = str(render.get("source") or ""), str(render.get("filter") or "")
    info = conn.call("GetSourceFilter", {"sourceName": source, "filterName": name})
    enable = request(
        "SetSourceFilterEnabled", {"sourceName": source, "filterName": name, "filterEnabled": True}
    )
    duration = int(render.get("durationMs") or 0)
    if duration <= 0 or info.get("filterEnabled"):
        # Already on (the streamer's choice) or meant to stay on: just make sure.
        return Plan(start=[enable])
    disable = request(
        "SetSourceFilterEnabled", {"sourceName": source, "filterName": name, "filterEnabled": False}
    )
    return Plan(start=[enable], end=[disable], duration_ms=duration)


@DRAWERS.register("hotkey")
def _hotkey(
    _conn: ObsConnection, render: Mapping[str, Any], _asset: str | None, _st: bool, _sg: Stage
) -> Plan:
    return Plan(
        start=[request("TriggerHotkeyByName", {"hotkeyName": str(render.get("hotkey") or "")})]
    )


@DRAWERS.register("overlay")
def _overlay(
    _c: ObsConnection, _r: Mapping[str, Any], _a: str | None, _st: bool, _sg: Stage
) -> Plan | None:
    return None  # drawn by the browser overlay page only


# The kinds planned in modules of their own register themselves on import.
from . import draw_frames, draw_replay  # noqa: E402, F401

__all__ = [
    "DEFAULT_DURATION_MS",
    "DRAWERS",
    "Drawn",
    "Outcome",
    "Plan",
    "await_outcome",
    "banner_font",
    "draw",
    "draw_noted",
    "end_now",
    "obs_color",
    "plan",
    "shake_offsets",
    "start_now",
    "wait_frames",
]
