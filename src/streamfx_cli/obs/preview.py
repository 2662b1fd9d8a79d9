"""Draw an effect where no viewer sees it and photograph it: `streamfx preview` in OBS.

The effect is drawn on the private stage `setup.PREVIEW`: a scene "StreamFX Preview"
with its own copies of the StreamFX sources over a plain backdrop. Nothing here ever
changes the program scene, the studio-mode preview scene, the StreamFX scene or any of
the streamer's own sources, and the private scene is nested nowhere (`setup` skips it),
so a preview never reaches the stream, even while live. Frames are GetSourceScreenshot
pictures of that scene, which OBS renders on request without showing it anywhere.

Kinds that change the streamer's own setup cannot be drawn privately: a filter
(on their source) and a hotkey are refused; a scene switch is previewed as pictures of
the target scene, without switching.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping
from typing import Any

from .connection import ExecutionType, ObsConnection
from .draw import DEFAULT_DURATION_MS, end_now, obs_color, plan, start_now
from .errors import ObsError
from .setup import (
    FLASH,
    PREVIEW,
    ensure_fades,
    ensure_sources,
    pick_kind,
    place_banner,
    put_in_order,
)

BACKDROP = "StreamFX Preview Backdrop"
BACKDROP_RGB = "#24262E"  # a dark slate, so white text and bright flashes both show
# A preview follows the effect's timing, but never for longer than this: a five-minute
# effect is previewed over its first ten seconds.
MAX_SPAN_MS = 10_000
# A scene switch is a still picture of the target scene: a short look is enough.
SCENE_SPAN_MS = 1_000
FRAME_WIDTH = 480  # pixels; OBS scales the canvas down, keeping its shape

# The kinds whose planner is known to touch only the stage it is given (obs/draw.py);
# a new kind is previewed only once it is added here, so it can never draw on air.
PRIVATE_KINDS = ("text", "flash", "image", "media", "shake")

Clock = Callable[[], float]
Sleep = Callable[[float], None]


def refusal(kind: str) -> str | None:
    """Why an effect of `kind` cannot be previewed in OBS, or None when it can."""
    if kind == "overlay":
        return "It is drawn by the overlay page only: preview it with --overlay."
    if kind in ("filter", "hotkey"):
        return (
            f"A {kind} effect acts on your own OBS setup, so it cannot be drawn "
            "where viewers do not see it."
        )
    return None


def span_ms(render: Mapping[str, Any]) -> int:
    """How long the preview watches the effect: its duration, capped at MAX_SPAN_MS."""
    kind = str(render.get("kind", ""))
    if kind == "scene":
        return SCENE_SPAN_MS
    ms = int(render.get("durationMs") or 0) or DEFAULT_DURATION_MS.get(kind, 1000)
    return max(1, min(ms, MAX_SPAN_MS))


def ensure_stage(conn: ObsConnection) -> None:
    """Create what is missing of the private preview scene; leaves the rest alone."""
    scenes = {s["sceneName"] for s in conn.call("GetSceneList").get("scenes", [])}
    if PREVIEW.scene not in scenes:
        conn.call("CreateScene", {"sceneName": PREVIEW.scene})
    video = conn.call("GetVideoSettings")
    width, height = int(video["baseWidth"]), int(video["baseHeight"])
    kinds = conn.call("GetInputKindList", {"unversioned": False}).get("inputKinds", [])
    items = conn.call("GetSceneItemList", {"sceneName": PREVIEW.scene}).get("sceneItems", [])
    backdrop = any(i["sourceName"] == BACKDROP for i in items)
    if not backdrop:
        backdrop = _add_backdrop(conn, width, height, kinds)
    ensure_sources(conn, width, height, kinds, PREVIEW)
    # A preview scene from before the banner's bar and stripe gets them on top: put
    # them under the text, and the banner where it goes on this canvas (as on air).
    put_in_order(conn, PREVIEW, floor=1 if backdrop else 0)
    place_banner(conn, width, height, PREVIEW)
    ensure_fades(conn, PREVIEW)


def _add_backdrop(conn: ObsConnection, width: int, height: int, kinds: list[str]) -> bool:
    """Put the backdrop under everything in the preview scene; False if this OBS cannot."""
    inputs = {i["inputName"] for i in conn.call("GetInputList").get("inputs", [])}
    if BACKDROP in inputs:
        item_id = conn.call(
            "CreateSceneItem", {"sceneName": PREVIEW.scene, "sourceName": BACKDROP}
        )["sceneItemId"]
    else:
        kind = pick_kind(FLASH, kinds)
        if kind is None:
            return False  # no colour source in this OBS: effects show over transparency
        item_id = conn.call(
            "CreateInput",
            {
                "sceneName": PREVIEW.scene,
                "inputName": BACKDROP,
                "inputKind": kind,
                "inputSettings": {
                    "color": obs_color(BACKDROP_RGB),
                    "width": width,
                    "height": height,
                },
            },
        )["sceneItemId"]
    # Under every effect source.
    conn.call(
        "SetSceneItemIndex",
        {"sceneName": PREVIEW.scene, "sceneItemId": item_id, "sceneItemIndex": 0},
    )
    return True


def _screenshot(conn: ObsConnection, source: str, width: int) -> bytes:
    shot = conn.call(
        "GetSourceScreenshot",
        {"sourceName": source, "imageFormat": "png", "imageWidth": width},
    )
    return base64.b64decode(str(shot["imageData"]).split(",", 1)[1])


def _shoot(
    conn: ObsConnection,
    source: str,
    frames: int,
    span: int,
    width: int,
    clock: Clock,
    sleep: Sleep,
    *,
    ending: tuple[int, Callable[[], None]] | None = None,
) -> list[bytes]:
    """`frames` PNG pictures of `source`, at the middle of each equal slice of `span` ms.

    `ending` (ms after the start, what to do): the effect's exit is started then, between
    two pictures, as the agent would start it.
    """
    started = clock()
    shots: list[bytes] = []
    for i in range(frames):
        due = started + span * (i + 0.5) / frames / 1000
        if ending is not None and started + ending[0] / 1000 <= due:
            sleep(max(0.0, started + ending[0] / 1000 - clock()))
            ending[1]()
            ending = None
        sleep(max(0.0, due - clock()))
        shots.append(_screenshot(conn, source, width))
    return shots


def capture(
    conn: ObsConnection,
    render: Mapping[str, Any],
    asset_path: str | None,
    frames: int,
    *,
    width: int = FRAME_WIDTH,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> list[bytes]:
    """Draw `render` on the private stage and return `frames` PNG pictures across it.

    Raises ObsError (with a sentence for the streamer) for a kind that cannot be drawn
    privately, a scene that does not exist, or OBS refusing a request. Whatever
    happens, the private sources are hidden again before this returns.
    """
    kind = str(render.get("kind", ""))
    why_not = refusal(kind)
    if why_not is not None:
        raise ObsError(why_not)
    span = span_ms(render)
    if kind == "scene":
        target = str(render.get("scene") or "")
        scenes = {s["sceneName"] for s in conn.call("GetSceneList").get("scenes", [])}
        if target not in scenes:
            raise ObsError(f"OBS has no scene named {target!r}, so it cannot be previewed.")
        return _shoot(conn, target, frames, span, width, clock, sleep)
    if kind not in PRIVATE_KINDS:
        raise ObsError(f"StreamFX cannot preview {kind} effects in OBS yet.")
    ensure_stage(conn)
    drawing = plan(conn, render, asset_path, stage=PREVIEW)
    if drawing is None:
        raise ObsError(f"A {kind} effect has nothing to draw in OBS.")
    started = clock()
    start_now(conn, drawing)
    exited = False

    def leave() -> None:
        # The exit as it plays on air: its frames, then the end (one SerialFrame batch).
        nonlocal exited
        conn.batch(
            [*drawing.back, *drawing.end], execution_type=ExecutionType.SERIAL_FRAME, wait=False
        )
        conn.sync()
        exited = True

    ending = (drawing.duration_ms, leave) if drawing.back and drawing.end else None
    try:
        shots = _shoot(conn, PREVIEW.scene, frames, span, width, clock, sleep, ending=ending)
        # A shake's, an entrance's or the exit's frames run on in OBS: let them finish.
        settle = max(drawing.settle_ms, min(drawing.duration_ms, MAX_SPAN_MS))
        if exited:
            settle = drawing.duration_ms + drawing.back_ms
        sleep(max(0.0, started + settle / 1000 - clock()))
    finally:
        if drawing.end and not exited:
            end_now(conn, drawing.end)
    return shots
