"""Effects enter and leave with motion, in a real OBS (docs/EFFECTS.md "Motion").

Each entrance and exit is a SerialFrame batch; a test sends it cut after a frame and
looks at the program picture OBS then holds, so a frame is checked exactly, however
busy the machine: partial opacity mid-fade, an image smaller than itself as it grows,
and afterwards every source exactly as it was.
"""

from __future__ import annotations

import time
from typing import Any

import anyio

from streamfx_cli.agent.job import Job
from streamfx_cli.agent.running import now_ms
from streamfx_cli.agent.stage import Stage
from streamfx_cli.obs import ObsConnection
from streamfx_cli.obs.connection import ExecutionType
from streamfx_cli.obs.draw import draw, end_now, plan
from streamfx_cli.obs.motion import timing
from streamfx_cli.obs.setup import BANNER_BAR, BANNER_STRIPE, FADED, FLASH, IMAGE, SCENE, TEXT
from tests.support.obs_studio import (
    BACKDROP_RGB,
    CANVAS,
    Picture,
    effects_idle,
    fade_opacity,
    first_frames,
    item_enabled,
    item_id,
    near,
    save_screenshot,
    take_screenshot,
)
from tests.support.waiting import wait_until

GREEN = (0x00, 0xCC, 0x44)
TEAL = (0x33, 0xCC, 0x99)


def render(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "effect": {"id": f"fx_{kind}", "slug": kind, "name": kind.title(), "category": "alert"},
        "durationMs": 2000,
        "colors": {"primary": "#7B2FF7", "accent": "#FFD166", "text": "#FFFFFF"},
        "font": {"heading": "DejaVu Sans", "body": "DejaVu Sans", "size": 48},
        "motionIntensity": 3,
        **fields,
    }


def frames_in(requests: list[dict[str, Any]]) -> int:
    return sum(r["requestType"] == "Sleep" for r in requests)


def hold(conn: ObsConnection, requests: list[dict[str, Any]], frames: int) -> Picture:
    """Run an animation up to its `frames`-th frame and picture what OBS then shows."""
    conn.batch(first_frames(requests, frames), execution_type=ExecutionType.SERIAL_FRAME)
    return take_screenshot(conn)


def opacity_seen(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> float:
    """How opaque `colour` looks in `pixel` over the backdrop (0 not there, 1 solid),
    from the two channels where they differ most."""
    pairs = sorted(
        zip(pixel[:3], colour, BACKDROP_RGB, strict=True), key=lambda c: -abs(c[1] - c[2])
    )
    return sum((seen - under) / (want - under) for seen, want, under in pairs[:2]) / 2


def placement(conn: ObsConnection) -> list[dict[str, Any]]:
    """The StreamFX scene's items (on or off, order, transform without content sizes) and
    every fade: what an effect must leave exactly as it found it."""
    content = {"width", "height", "sourceWidth", "sourceHeight"}
    items = [
        {
            "source": i["sourceName"],
            "enabled": i["sceneItemEnabled"],
            "index": i["sceneItemIndex"],
            "transform": {k: v for k, v in i["sceneItemTransform"].items() if k not in content},
        }
        for i in conn.call("GetSceneItemList", {"sceneName": SCENE})["sceneItems"]
    ]
    return [*items, {"fades": [fade_opacity(conn, s) for s in FADED]}]


def drawn_box(picture: Picture, colour: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """Left, top, right, bottom (inclusive) of the pixels visibly tinted by `colour`."""
    xs: list[int] = []
    ys: list[int] = []
    for y in range(0, picture.height, 1):
        for x in range(0, picture.width, 1):
            if opacity_seen(picture.pixel(x, y), colour) > 0.05:
                xs.append(x)
                ys.append(y)
    assert xs, "nothing of that colour in the picture"
    return min(xs), min(ys), max(xs), max(ys)


def test_flash_fades_in_holds_and_fades_out(stage: ObsConnection) -> None:
    conn = stage
    before = placement(conn)
    drawing = plan(conn, render("flash", color="#33CC99", opacity=1, motionIntensity=1))
    assert drawing is not None
    middle = (CANVAS[0] // 2, CANVAS[1] // 2)
    try:
        first = hold(conn, drawing.start, 1)
        assert item_enabled(conn, FLASH)
        assert opacity_seen(first.pixel(*middle), TEAL) < 0.15, "on, and barely in sight"
        steps = frames_in(drawing.start)
        rising = hold(conn, drawing.start, steps // 2)
        save_screenshot(conn, "flash-frame-rising")
        assert 0.15 < opacity_seen(rising.pixel(*middle), TEAL) < 0.85, rising.pixel(*middle)
        full = hold(conn, drawing.start, steps)
        assert near(full.pixel(*middle), TEAL, 0), "full colour at the top"
        going = hold(conn, drawing.back, frames_in(drawing.back) // 2)
        save_screenshot(conn, "flash-frame-leaving")
        assert 0.1 < opacity_seen(going.pixel(*middle), TEAL) < 0.9, going.pixel(*middle)
    finally:
        end_now(conn, drawing.end)
    wait_until(
        lambda: near(take_screenshot(conn).pixel(*middle), BACKDROP_RGB), 2, "the backdrop again"
    )
    assert placement(conn) == before


def test_a_calm_flash_rises_slowly_and_a_bold_one_hits_at_once(stage: ObsConnection) -> None:
    calm = plan(stage, render("flash", motionIntensity=1))
    bold = plan(stage, render("flash", motionIntensity=5))
    assert calm is not None and bold is not None
    assert frames_in(calm.start) > 2 * frames_in(bold.start) > 0


def test_image_grows_in_about_its_centre_and_fades_out(stage: ObsConnection, png_file: Any) -> None:
    conn = stage
    before = placement(conn)
    path = str(png_file(96, 64, GREEN))
    drawing = plan(conn, render("image", motionIntensity=5), asset_path=path)
    assert drawing is not None
    try:
        small = hold(conn, drawing.start, 1)
        save_screenshot(conn, "image-frame-growing")
        full = hold(conn, drawing.start, frames_in(drawing.start))
        save_screenshot(conn, "image-frame-at-rest")
        left, top, right, bottom = drawn_box(full, GREEN)
        # At rest it is the file at its own size in the middle (setup's default place).
        assert (right - left + 1, bottom - top + 1) == (96, 64)
        assert ((left + right) / 2, (top + bottom) / 2) == (
            CANVAS[0] / 2 - 0.5,
            CANVAS[1] / 2 - 0.5,
        )
        s_left, s_top, s_right, s_bottom = drawn_box(small, GREEN)
        assert s_right - s_left < right - left - 10, "smaller while it grows"
        assert abs((s_left + s_right) - (left + right)) <= 2, "about its centre"
        assert abs((s_top + s_bottom) - (top + bottom)) <= 2
        centre = small.pixel(CANVAS[0] // 2, CANVAS[1] // 2)
        assert opacity_seen(centre, GREEN) < 0.9, ("fading in", centre)
        going = hold(conn, drawing.back, frames_in(drawing.back) * 3 // 4)
        assert 0.05 < opacity_seen(going.pixel(CANVAS[0] // 2, CANVAS[1] // 2), GREEN) < 0.9
    finally:
        end_now(conn, drawing.end)
    assert placement(conn) == before, "the image item is where and as it was"


def test_an_image_the_streamer_placed_grows_where_they_put_it(
    stage: ObsConnection, png_file: Any
) -> None:
    """Top-left anchored, scaled 2x, no bounds: it rests where the streamer put it, grows
    about its own centre, and every field of its transform comes back."""
    conn = stage
    image = item_id(conn, SCENE, IMAGE)
    placed = {
        "alignment": 5,  # top left
        "positionX": 40.0,
        "positionY": 30.0,
        "scaleX": 2.0,
        "scaleY": 2.0,
        "boundsType": "OBS_BOUNDS_NONE",
    }
    original = conn.call("GetSceneItemTransform", {"sceneName": SCENE, "sceneItemId": image})
    conn.call(
        "SetSceneItemTransform",
        {"sceneName": SCENE, "sceneItemId": image, "sceneItemTransform": placed},
    )
    try:
        before = placement(conn)
        drawing = plan(conn, render("image", motionIntensity=4), str(png_file(40, 30, GREEN)))
        assert drawing is not None
        try:
            full = hold(conn, drawing.start, frames_in(drawing.start))
            assert drawn_box(full, GREEN) == (40, 30, 119, 89)
            small = drawn_box(hold(conn, drawing.start, 1), GREEN)
            assert small[2] - small[0] < 79 and abs(small[0] + small[2] - 159) <= 2
        finally:
            end_now(conn, drawing.end)
        assert placement(conn) == before
    finally:
        transform = original["sceneItemTransform"]
        keep = ("alignment", "positionX", "positionY", "scaleX", "scaleY", "boundsType")
        conn.call(
            "SetSceneItemTransform",
            {
                "sceneName": SCENE,
                "sceneItemId": image,
                "sceneItemTransform": {k: transform[k] for k in keep}
                | {k: transform[k] for k in ("boundsWidth", "boundsHeight", "boundsAlignment")},
            },
        )


def test_effects_fired_and_left_end_at_rest_in_obs_by_themselves(
    stage: ObsConnection, obs_endpoint: tuple[str, int, str], png_file: Any
) -> None:
    """`streamfx fire` without an agent: OBS runs entrance, hold and exit by itself, so
    closing the connection at once changes nothing; afterwards all is as it was.

    One at a time: each holds one of obs-websocket's worker threads (one per CPU core)
    while it runs, and this test's own look-ups need another.
    """
    conn = stage
    before = placement(conn)
    host, port, password = obs_endpoint
    path = str(png_file(48, 48, GREEN))
    for kind, extra, shows in (
        ("text", {"text": "Left running", "durationMs": 1200}, (TEXT, BANNER_BAR, BANNER_STRIPE)),
        ("flash", {"durationMs": 900, "opacity": 0.6}, (FLASH,)),
        ("image", {"durationMs": 1000, "motionIntensity": 5}, (IMAGE,)),
    ):
        with ObsConnection(host, port, password) as caller:
            started = time.monotonic()
            assert draw(caller, render(kind, **extra), asset_path=path)
        # The caller is gone: the effect still comes in...
        wait_until(
            lambda shows=shows: all(item_enabled(conn, s) for s in shows), 2, f"the {kind} to show"
        )
        # ...and leaves on time, every fade and place back at rest.
        wait_until(lambda: effects_idle(conn), 5, f"the {kind} to end at rest")
        assert time.monotonic() - started > extra["durationMs"] / 1000 - 0.1
        assert placement(conn) == before, kind


def test_the_agent_ends_an_effect_stopped_during_its_entrance_after_it(
    stage: ObsConnection, obs_endpoint: tuple[str, int, str]
) -> None:
    """A stop or a replace while the banner is still coming in waits for the entrance
    (at most its length): ending sooner, its last frames would fight the next effect's."""
    conn = stage
    host, port, password = obs_endpoint
    banner = render("text", text="Stopped early", durationMs=60_000, motionIntensity=1)
    entrance_ms = timing(60_000, 1).enter_ms

    async def start_then_stop() -> float:
        obs = Stage(lambda: ObsConnection(host, port, password, timeout=2.0))
        try:
            started = await obs.start(Job("early", banner, now_ms()))
            assert started.status == "shown" and item_enabled(conn, TEXT)
            began = time.monotonic()
            assert await obs.end("early")
            return time.monotonic() - began
        finally:
            await obs.close()

    took = anyio.run(start_then_stop)
    assert entrance_ms / 1000 - 0.1 < took < entrance_ms / 1000 + 2
    assert not item_enabled(conn, TEXT)
    time.sleep(0.2)
    assert effects_idle(conn), "nothing of the entrance ran after the end"
