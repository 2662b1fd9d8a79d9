"""The agent's drawing half against a real OBS: lanes, agent-held timing, crash recovery.

No server here: the stage (one OBS connection in one thread) and the lanes are
driven directly, as the agent drives them for each activation its link hands on.
The whole agent, server included, is exercised in tests/obs/test_agent.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from streamfx_cli.agent.job import Job
from streamfx_cli.agent.lanes import Lanes
from streamfx_cli.agent.running import now_ms
from streamfx_cli.agent.stage import Stage, Started
from streamfx_cli.obs import ObsConnection
from streamfx_cli.obs.setup import FLASH, TEXT, setup
from tests.obs.test_bridge import layout, make_render
from tests.support.obs_studio import (
    BACKDROP_RGB,
    BRB,
    GAMEPLAY,
    build_stage,
    center,
    effects_idle,
    item_enabled,
    near,
    program_scene,
    take_screenshot,
)
from tests.support.waiting import wait_until

SRC = Path(__file__).resolve().parents[2] / "src"
LANES = {"flash": "full-frame", "shake": "full-frame", "scene": "full-frame", "text": "lower-third"}


def render(kind: str, **fields: Any) -> dict[str, Any]:
    return make_render(kind, lane=LANES[kind], queueMode="queue", maxDelayMs=5000, **fields)


@pytest.fixture
def stage(streamfx_conn: ObsConnection) -> Iterator[ObsConnection]:
    conn = streamfx_conn
    build_stage(conn)
    setup(conn)
    wait_until(lambda: effects_idle(conn), 10, "effects of earlier tests to end")
    yield conn
    build_stage(conn)


def connector(endpoint: tuple[str, int, str]) -> Any:
    host, port, password = endpoint
    return lambda: ObsConnection(host, port, password, timeout=2.0)


class Recorder:
    def __init__(self) -> None:
        self.outcomes: dict[str, Started] = {}

    async def report(self, job: Job, started: Started) -> None:
        self.outcomes[job.key] = started


def test_a_five_minute_brb_does_not_starve_twenty_flashes(
    stage: ObsConnection, obs_endpoint: tuple[str, int, str]
) -> None:
    """On this 2-core machine OBS has two worker threads; the agent holds none of them."""
    conn = stage
    before = layout(conn)
    recorder = Recorder()
    latencies: list[int] = []
    seen_on_screen = 0

    async def main() -> None:
        nonlocal seen_on_screen
        obs = Stage(connector(obs_endpoint))
        lanes = Lanes(obs, recorder.report)
        lanes.submit(Job("brb", render("scene", scene=BRB, returnAfterMs=300_000), now_ms()))
        with anyio.fail_after(10):
            while "brb" not in recorder.outcomes:
                await anyio.sleep(0.01)
        assert program_scene(conn) == BRB
        for i in range(20):
            key = f"flash-{i}"
            # Now and then a longer one, to see in the program picture over the BRB scene.
            looked_at = i % 5 == 0
            shown_ms = 1500 if looked_at else 250
            triggered = now_ms()
            lanes.submit(
                Job(
                    key, render("flash", durationMs=shown_ms, color="#FF2200", opacity=1), triggered
                )
            )
            with anyio.fail_after(10):
                while key not in recorder.outcomes:
                    await anyio.sleep(0.005)
            outcome = recorder.outcomes[key]
            assert outcome.status == "shown", outcome.reason
            assert outcome.drawn_at_ms is not None
            latencies.append(outcome.drawn_at_ms - triggered)
            if looked_at:
                red = await anyio.to_thread.run_sync(
                    lambda: wait_until(
                        lambda: near(center(take_screenshot(conn)), (0xFF, 0x22, 0x00), 4),
                        5,
                        "the flash in the program picture",
                    )
                )
                seen_on_screen += bool(red)
                await anyio.to_thread.run_sync(
                    lambda: wait_until(lambda: not item_enabled(conn, FLASH), 5, "flash end")
                )
            await anyio.sleep(0.3)
        assert program_scene(conn) == BRB, "the brb still runs"
        stopped = await lanes.stop()
        assert [e.key for e in stopped] == ["brb"]
        await lanes.close()
        await obs.close()

    anyio.run(main)
    assert max(latencies) < 1000, latencies
    assert seen_on_screen == 4, "the flashes must reach the program picture"
    assert program_scene(conn) == GAMEPLAY
    wait_until(lambda: not item_enabled(conn, FLASH), 2, "the last flash to end")
    assert layout(conn) == before


AGENT_THEN_HANG = """
import asyncio, json, os, sys
from streamfx_cli.agent.job import Job
from streamfx_cli.agent.lanes import Lanes
from streamfx_cli.agent.running import now_ms
from streamfx_cli.agent.stage import Stage
from streamfx_cli.obs import ObsConnection

async def main():
    host, port, renders = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    stage = Stage(lambda: ObsConnection(host, port, os.environ["OBS_TEST_PASSWORD"]))
    done = []
    async def report(job, started):
        done.append(job.key)
    lanes = Lanes(stage, report)
    for key, render in renders.items():
        lanes.submit(Job(key, render, now_ms()))
    while len(done) < len(renders):
        await asyncio.sleep(0.01)
    print("started", flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def start_and_kill(endpoint: tuple[str, int, str], renders: dict[str, Any]) -> None:
    host, port, password = endpoint
    env = dict(os.environ, OBS_TEST_PASSWORD=password)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-c", AGENT_THEN_HANG, host, str(port), json.dumps(renders)],
        stdout=subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"started"
        proc.kill()
        assert proc.wait(5) == -9
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_killed_mid_effect_the_next_agent_ends_what_is_overdue_at_once(
    stage: ObsConnection, obs_endpoint: tuple[str, int, str]
) -> None:
    conn = stage
    before = layout(conn)
    start_and_kill(
        obs_endpoint,
        {
            "banner": render("text", durationMs=1000, text="kill -9"),
            "brb": render("scene", scene=BRB, returnAfterMs=1000),
        },
    )
    # The banner's entrance is a frame batch OBS runs on by itself.
    wait_until(lambda: item_enabled(conn, TEXT), 2, "the banner to show")
    assert program_scene(conn) == BRB
    # The agent keeps the time, and it is gone: nothing ends by itself...
    time.sleep(1.5)
    assert item_enabled(conn, TEXT) and program_scene(conn) == BRB

    async def restart() -> float:
        started = time.monotonic()
        obs = Stage(connector(obs_endpoint))
        lanes = Lanes(obs, Recorder().report)
        lanes.adopt(await obs.recover())
        took = time.monotonic() - started
        await lanes.idle()
        await lanes.close()
        await obs.close()
        return took

    took = anyio.run(restart)
    # ...until an agent starts again: overdue entries end at once, within 2 s.
    assert took < 2.0
    assert not item_enabled(conn, TEXT)
    assert program_scene(conn) == GAMEPLAY
    wait_until(lambda: near(center(take_screenshot(conn)), BACKDROP_RGB), 5, "the backdrop again")
    assert layout(conn) == before


def test_killed_mid_effect_the_next_agent_ends_the_rest_on_time(
    stage: ObsConnection, obs_endpoint: tuple[str, int, str]
) -> None:
    conn = stage
    start_and_kill(obs_endpoint, {"banner": render("text", durationMs=4000, text="on time")})
    killed_at = time.monotonic()
    wait_until(lambda: item_enabled(conn, TEXT), 2, "the banner's entrance to run in OBS")

    async def restart() -> float:
        obs = Stage(connector(obs_endpoint))
        lanes = Lanes(obs, Recorder().report)
        lanes.adopt(await obs.recover())
        assert item_enabled(conn, TEXT), "not overdue yet: still showing"
        await lanes.idle()
        ended = time.monotonic() - killed_at
        await lanes.close()
        await obs.close()
        return ended

    ended = anyio.run(restart)
    assert not item_enabled(conn, TEXT)
    assert 3.0 < ended < 6.0, ended


def test_a_banner_in_a_fallback_font_is_shown_with_the_reason(
    stage: ObsConnection, obs_endpoint: tuple[str, int, str]
) -> None:
    from streamfx_cli.obs.setup import BANNER_BAR, BANNER_STRIPE

    conn = stage
    banner = render("text", durationMs=60_000, text="fallback")
    banner["font"] = {"heading": "No Such Font Sans", "body": "DejaVu Serif", "size": 40}

    async def start_then_end() -> Started:
        obs = Stage(connector(obs_endpoint))
        try:
            started = await obs.start(Job("fallback", banner, now_ms()))
            assert all(item_enabled(conn, s) for s in (TEXT, BANNER_BAR, BANNER_STRIPE))
            assert await obs.end("fallback")
            return started
        finally:
            await obs.close()

    started = anyio.run(start_then_end)
    assert started.status == "shown"
    assert started.reason == "font fallback: No Such Font Sans is not installed, using DejaVu Serif"
    assert not any(item_enabled(conn, s) for s in (TEXT, BANNER_BAR, BANNER_STRIPE))
