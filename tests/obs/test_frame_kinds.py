"""move, filter-ramp and replay against a real OBS: what moves, ramps and is saved, seen
by reading OBS back and in the program picture, and put back exactly afterwards.

Both ways of keeping time are tried: `draw` (one self-timed batch, as `streamfx fire`
without an agent sends it) and the agent's stage and lanes (start, hold, ease back).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from streamfx_cli.agent.job import Job
from streamfx_cli.agent.lanes import Lanes
from streamfx_cli.agent.running import REALM, SLOT, now_ms, read
from streamfx_cli.agent.stage import Stage, Started
from streamfx_cli.obs import ObsConnection, ObsError
from streamfx_cli.obs.draw import draw, draw_noted
from streamfx_cli.obs.draw_replay import REPLAY_BUFFER_OFF
from streamfx_cli.obs.setup import setup
from tests.obs.test_bridge import make_render
from tests.support.obs_studio import (
    BACKDROP,
    BACKDROP_RGB,
    CANVAS,
    GAMEPLAY,
    build_stage,
    effects_idle,
    item_transform,
    near,
    obs_rgb,
    take_screenshot,
)
from tests.support.waiting import wait_until

MOVER = "Mover"
MOVER_RGB = (0xE0, 0x10, 0x10)
MOVER_SIZE = 80
RAMP = "Ramp"
# How late OBS may be with the last frame of an animation on a busy 2-core machine.
SLACK_S = 2.0
# Screenshots at half size: they decode four times faster, and an 80 px square is 40 px.
SHOT_WIDTH = 320


@pytest.fixture
def stage(streamfx_conn: ObsConnection) -> Iterator[ObsConnection]:
    """The standard stage, with a small red square (the Mover) at the top left of Gameplay."""
    conn = streamfx_conn
    build_stage(conn)
    setup(conn)
    wait_until(lambda: effects_idle(conn), 10, "effects of earlier tests to end")
    inputs = {i["inputName"] for i in conn.call("GetInputList")["inputs"]}
    if MOVER in inputs:
        conn.call("CreateSceneItem", {"sceneName": GAMEPLAY, "sourceName": MOVER})
    else:
        conn.call(
            "CreateInput",
            {
                "sceneName": GAMEPLAY,
                "inputName": MOVER,
                "inputKind": "color_source_v3",
                "inputSettings": {
                    "color": obs_rgb(MOVER_RGB),
                    "width": MOVER_SIZE,
                    "height": MOVER_SIZE,
                },
            },
        )
    setup(conn)  # StreamFX back on top of the new item
    yield conn
    build_stage(conn)


def lane_render(kind: str, lane: str | None, **fields: Any) -> dict[str, Any]:
    return make_render(kind, lane=lane, queueMode="queue", maxDelayMs=5000, **fields)


def mover(conn: ObsConnection) -> dict[str, Any]:
    return item_transform(conn, GAMEPLAY, MOVER)


def canvas_pixel(conn: ObsConnection, x: int, y: int) -> tuple[int, int, int, int]:
    """The program picture's pixel at canvas position (x, y)."""
    shot = take_screenshot(conn, width=SHOT_WIDTH)
    return shot.pixel(x * shot.width // CANVAS[0], y * shot.height // CANVAS[1])


def red_at(conn: ObsConnection, x: int, y: int) -> bool:
    """Is the Mover's red at canvas position (x, y) of the program picture?"""
    return near(canvas_pixel(conn, x, y), MOVER_RGB, 6)


def positions_until(conn: ObsConnection, x: float, within: float) -> list[float]:
    """The Mover's positionX, read again and again until it is `x`."""
    seen: list[float] = []

    def arrived() -> bool:
        seen.append(float(mover(conn)["positionX"]))
        return seen[-1] == x

    wait_until(arrived, within, f"the Mover to reach x={x}")
    return seen


# -- move -------------------------------------------------------------------------------


def test_a_move_eases_the_source_there_holds_and_puts_it_back_exactly(
    stage: ObsConnection,
) -> None:
    conn = stage
    before = mover(conn)
    assert red_at(conn, 40, 40)
    draw(
        conn,
        make_render(
            "move",
            source=MOVER,
            scene=None,
            to={"dx": 400},
            easing="ease-in-out",
            animateMs=600,
            durationMs=2500,
        ),
    )
    # It eases there frame by frame (not a jump), and lands exactly on the target.
    seen = positions_until(conn, 400.0, 0.6 + SLACK_S)
    assert any(0 < x < 400 for x in seen), seen
    # The picture shows it there: red at the right, the backdrop where it was.
    assert red_at(conn, 440, 40)
    assert not red_at(conn, 40, 40)
    # Held, then back: the very transform it had, to the last digit.
    wait_until(lambda: mover(conn) == before, 2.5 + 0.6 + SLACK_S, "the Mover to be back")
    assert red_at(conn, 40, 40)


def test_a_move_fired_twice_goes_back_to_where_it_was_before_the_first(
    stage: ObsConnection,
) -> None:
    conn = stage
    before = mover(conn)
    render = make_render(
        "move",
        source=MOVER,
        scene=GAMEPLAY,
        to={"dy": 200, "rotateBy": 30},
        animateMs=300,
        durationMs=1000,
    )
    draw(conn, render)
    time.sleep(0.2)  # mid-way there
    second = time.monotonic()
    # (This may wait for a free OBS worker thread while the first batch holds one.)
    draw(conn, render)
    wait_until(lambda: mover(conn) == before, 1.6 + 0.6 + 2 * SLACK_S, "the Mover back")
    # The second batch ends last, with its own idea of home: had it taken the mid-way
    # position for home, the Mover would be left there once it is over.
    time.sleep(max(0.0, second + 1.6 + SLACK_S - time.monotonic()))
    assert mover(conn) == before


def test_a_move_of_a_source_that_is_not_there_says_so(stage: ObsConnection) -> None:
    with pytest.raises(ObsError, match="OBS has no source 'Nobody' in scene 'Gameplay'"):
        draw(stage, make_render("move", source="Nobody", scene=None, to={"dx": 5}))


def test_the_agent_holds_the_move_eases_back_and_a_stop_snaps_back(
    stage: ObsConnection, obs_endpoint: tuple[str, int, str]
) -> None:
    conn = stage
    before = mover(conn)
    host, port, password = obs_endpoint
    outcomes: dict[str, Started] = {}

    async def report(job: Job, started: Started) -> None:
        outcomes[job.key] = started

    async def main() -> None:
        obs = Stage(lambda: ObsConnection(host, port, password, timeout=2.0))
        lanes = Lanes(obs, report)
        move = lane_render(
            "move",
            "full-frame",
            source=MOVER,
            scene=None,
            to={"x": 300, "scale": 1.5},
            animateMs=500,
            durationMs=1500,
        )
        lanes.submit(Job("on-time", move, now_ms()))
        seen = await anyio.to_thread.run_sync(lambda: positions_until(conn, 300.0, 0.5 + SLACK_S))
        assert outcomes["on-time"].status == "shown"
        assert any(0 < x < 300 for x in seen), seen
        assert mover(conn)["scaleX"] == 1.5
        # Back on time, easing: the lane is busy until the Mover is home.
        with anyio.fail_after(1.5 + 0.5 + 0.5 + 3 * SLACK_S):
            await lanes.idle()
        assert mover(conn) == before
        # Stopped while it holds: everything snaps back at once.
        lanes.submit(Job("stopped", dict(move, durationMs=60_000), now_ms()))
        await anyio.to_thread.run_sync(lambda: positions_until(conn, 300.0, 0.5 + SLACK_S))
        stopped = await lanes.stop()
        assert [e.key for e in stopped] == ["stopped"]
        assert mover(conn) == before
        await lanes.close()
        await obs.close()

    anyio.run(main)
    record = conn.call("GetPersistentData", {"realm": REALM, "slotName": SLOT})["slotValue"]
    assert read(record) == [], "nothing left to put back"


# -- filter-ramp ------------------------------------------------------------------------


def ramp_filter(conn: ObsConnection) -> dict[str, Any]:
    return conn.call("GetSourceFilter", {"sourceName": BACKDROP, "filterName": RAMP})


def brighter(conn: ObsConnection) -> bool:
    """Is the backdrop (at the canvas centre, away from the Mover) well above its colour?"""
    pixel = canvas_pixel(conn, CANVAS[0] // 2, CANVAS[1] // 2)
    return all(p > b + 40 for p, b in zip(pixel[:3], BACKDROP_RGB, strict=True))


@pytest.fixture
def ramped(stage: ObsConnection) -> Iterator[ObsConnection]:
    """The backdrop with a colour correction filter, off, at its defaults."""
    conn = stage
    names = {
        f["filterName"]
        for f in conn.call("GetSourceFilterList", {"sourceName": BACKDROP})["filters"]
    }
    if RAMP not in names:
        conn.call(
            "CreateSourceFilter",
            {"sourceName": BACKDROP, "filterName": RAMP, "filterKind": "color_filter_v2"},
        )
    conn.call(
        "SetSourceFilterSettings",
        {"sourceName": BACKDROP, "filterName": RAMP, "filterSettings": {}, "overlay": False},
    )
    conn.call(
        "SetSourceFilterEnabled",
        {"sourceName": BACKDROP, "filterName": RAMP, "filterEnabled": False},
    )
    yield conn
    conn.call("RemoveSourceFilter", {"sourceName": BACKDROP, "filterName": RAMP})


def test_a_filter_ramp_raises_a_setting_over_frames_and_puts_the_filter_back(
    ramped: ObsConnection,
) -> None:
    conn = ramped
    before = ramp_filter(conn)
    assert before["filterEnabled"] is False
    assert not brighter(conn)
    draw(
        conn,
        make_render(
            "filter-ramp",
            source=BACKDROP,
            filter=RAMP,
            settings={"brightness": 0.6},
            easing="linear",
            animateMs=600,
            durationMs=2500,
        ),
    )
    seen: list[float] = []

    def at_target() -> bool:
        state = ramp_filter(conn)
        seen.append(float(state["filterSettings"].get("brightness", 0.0)))
        return state["filterEnabled"] and seen[-1] == 0.6

    wait_until(at_target, 0.6 + SLACK_S, "the brightness to reach 0.6")
    assert any(0 < b < 0.6 for b in seen), seen
    assert brighter(conn), "the picture is brighter while it holds"
    # Back: off again, with exactly the settings it had (none changed from the defaults).
    wait_until(lambda: ramp_filter(conn) == before, 2.5 + 0.6 + SLACK_S, "the filter back")
    assert not brighter(conn)


def test_a_filter_ramp_of_a_setting_the_filter_does_not_have_says_so(
    ramped: ObsConnection,
) -> None:
    with pytest.raises(ObsError, match="has no number setting 'loudness'"):
        draw(
            ramped,
            make_render("filter-ramp", source=BACKDROP, filter=RAMP, settings={"loudness": 1}),
        )
    with pytest.raises(ObsError, match="OBS has no filter 'Nope'"):
        draw(ramped, make_render("filter-ramp", source=BACKDROP, filter="Nope", settings={"a": 1}))


# -- replay -----------------------------------------------------------------------------


def replay_buffer_on(conn: ObsConnection) -> bool:
    return bool(conn.call("GetReplayBufferStatus")["outputActive"])


@pytest.fixture
def replay_buffer(stage: ObsConnection) -> Iterator[ObsConnection]:
    conn = stage
    conn.call("StartReplayBuffer")
    wait_until(lambda: replay_buffer_on(conn), 10, "the replay buffer to start")
    yield conn
    conn.call("StopReplayBuffer")
    wait_until(lambda: not replay_buffer_on(conn), 10, "the replay buffer to stop")


def test_a_replay_with_the_buffer_off_says_how_to_turn_it_on(stage: ObsConnection) -> None:
    assert not replay_buffer_on(stage)
    with pytest.raises(ObsError) as refused:
        draw(stage, make_render("replay", durationMs=0))
    assert str(refused.value) == REPLAY_BUFFER_OFF
    assert "Start Replay Buffer" in str(refused.value)


def test_a_replay_saves_the_buffer_and_tells_where(replay_buffer: ObsConnection) -> None:
    drawn = draw_noted(replay_buffer, make_render("replay", durationMs=0))
    assert drawn is not None and drawn.note is not None
    assert drawn.note.startswith("saved to ")
    saved = Path(drawn.note.removeprefix("saved to "))
    assert saved.is_file() and saved.stat().st_size > 0
    # A second save is a second file, and the note names that one.
    again = draw_noted(replay_buffer, make_render("replay", durationMs=0))
    assert again is not None and again.note is not None
    assert Path(again.note.removeprefix("saved to ")).is_file()


def test_the_agent_reports_the_saved_file_in_the_delivery(
    replay_buffer: ObsConnection, obs_endpoint: tuple[str, int, str]
) -> None:
    host, port, password = obs_endpoint

    async def main() -> Started:
        obs = Stage(lambda: ObsConnection(host, port, password, timeout=2.0))
        try:
            return await obs.start(Job("clip", lane_render("replay", None), now_ms()))
        finally:
            await obs.close()

    started = anyio.run(main)
    assert started.status == "shown", started.reason
    assert started.reason is not None and started.reason.startswith("saved to ")
    assert Path(started.reason.removeprefix("saved to ")).is_file()
    assert started.running is None  # nothing to put back
