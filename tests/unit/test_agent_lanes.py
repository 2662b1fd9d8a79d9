"""Lanes with a stand-in stage: queue, replace, skip, expiry, stop, no lane blocking another.

The real OBS runs of the same rules are in tests/obs/test_agent.py; these pin the
scheduling itself, fast.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from streamfx_cli.agent.job import Job
from streamfx_cli.agent.lanes import Lanes
from streamfx_cli.agent.running import RunningEffect, now_ms
from streamfx_cli.agent.stage import Started

pytestmark = pytest.mark.anyio

LANE_OF = {
    "flash": "full-frame",
    "shake": "full-frame",
    "scene": "full-frame",
    "text": "lower-third",
}


def job(
    key: str, kind: str = "flash", ms: int = 200, mode: str = "queue", age: int = 0, **extra: Any
) -> Job:
    render = {
        "kind": kind,
        "lane": LANE_OF.get(kind),
        "queueMode": mode,
        "maxDelayMs": extra.pop("max_delay", 5000),
        "durationMs": ms,
        "effect": {"slug": kind, "name": kind.title()},
    }
    return Job(key=key, render=render, triggered_ms=now_ms() - age)


class FakeStage:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, int]] = []
        self.started: dict[str, int] = {}

    async def start(self, j: Job) -> Started:
        t = now_ms()
        self.events.append(("start", j.key, t))
        self.started[j.key] = t
        ms = int(j.render["durationMs"])
        entry = (
            RunningEffect(j.key, j.effect, j.lane, t + ms, [{"requestType": "X"}]) if ms else None
        )
        return Started("shown", None, t, entry)

    async def end(self, key: str, *, on_time: bool = False) -> bool:
        self.events.append(("end", key, now_ms()))
        return True

    def order(self) -> list[tuple[str, str]]:
        return [(what, key) for what, key, _ in self.events]


async def run(jobs: list[Job], between: float = 0.0) -> tuple[FakeStage, dict[str, Started]]:
    stage = FakeStage()
    outcomes: dict[str, Started] = {}

    async def report(j: Job, s: Started) -> None:
        outcomes[j.key] = s

    lanes = Lanes(stage, report)
    for j in jobs:
        lanes.submit(j)
        await anyio.sleep(between)
    with anyio.fail_after(30):
        await lanes.idle()
    await lanes.close()
    return stage, outcomes


async def test_queue_waits_its_turn_in_order() -> None:
    stage, out = await run([job("a", ms=300), job("b", ms=100), job("c", ms=100)])
    assert stage.order() == [
        ("start", "a"),
        ("end", "a"),
        ("start", "b"),
        ("end", "b"),
        ("start", "c"),
        ("end", "c"),
    ]
    assert all(s.status == "shown" for s in out.values())


async def test_lanes_never_wait_for_each_other() -> None:
    stage, _ = await run([job("long", kind="text", ms=3000), job("f", kind="flash", ms=100)])
    # The flash starts and ends while the long text still shows.
    assert stage.order().index(("end", "f")) < stage.order().index(("end", "long"))


async def test_replace_cuts_what_shows_and_starts_at_once() -> None:
    stage, _ = await run([job("a", ms=5000), job("b", ms=100, mode="replace")], between=0.1)
    assert stage.order()[:3] == [("start", "a"), ("end", "a"), ("start", "b")]
    assert stage.started["b"] - stage.started["a"] < 2500


async def test_skip_is_dropped_while_busy() -> None:
    _, out = await run([job("a", ms=500), job("b", ms=100, mode="skip")], between=0.05)
    assert out["b"].status == "skipped"
    assert "'Flash' was showing" in (out["b"].reason or "")


async def test_too_old_is_expired_not_drawn_late() -> None:
    stage, out = await run([job("old", age=6000)])
    assert out["old"].status == "expired"
    assert "maxDelayMs of 5000 ms" in (out["old"].reason or "")
    assert stage.events == []


async def test_waiting_in_a_busy_lane_past_max_delay_expires() -> None:
    stage, out = await run([job("a", ms=1500), job("b", max_delay=300)])
    assert out["b"].status == "expired"
    assert ("start", "b") not in stage.order()


async def test_a_long_scene_switch_holds_its_lane_only_while_switching() -> None:
    stage, out = await run([job("brb", kind="scene", ms=3000), job("f", ms=100)], between=0.05)
    assert out["f"].status == "shown"
    assert stage.started["f"] - stage.started["brb"] < 1000
    assert stage.order()[-1] == ("end", "brb")


async def test_stop_ends_running_effects_now() -> None:
    stage = FakeStage()

    async def report(_j: Job, _s: Started) -> None:
        return None

    lanes = Lanes(stage, report)
    lanes.submit(job("a", kind="text", ms=60_000))
    with anyio.fail_after(10):
        while not lanes.running():
            await anyio.sleep(0.01)
        stopped = await lanes.stop("text")
    assert [e.key for e in stopped] == ["a"]
    assert ("end", "a") in stage.order()
    await lanes.close()


async def test_a_lost_claim_draws_nothing() -> None:
    stage = FakeStage()
    out: dict[str, Started] = {}

    async def report(j: Job, s: Started) -> None:
        out[j.key] = s

    async def claim(_j: Job) -> bool:
        return False

    lanes = Lanes(stage, report, claim)
    lanes.submit(job("a"))
    with anyio.fail_after(10):
        await lanes.idle()
    await lanes.close()
    assert stage.events == [] and out == {}


async def test_shutdown_ends_even_what_was_still_starting() -> None:
    stage = FakeStage()
    real_start = stage.start

    async def slow_start(j: Job) -> Started:
        await anyio.sleep(0.2)  # OBS answering slowly while the agent is asked to stop
        return await real_start(j)

    stage.start = slow_start  # type: ignore[method-assign]

    async def report(_j: Job, _s: Started) -> None:
        return None

    lanes = Lanes(stage, report)
    lanes.submit(job("a", kind="text", ms=60_000))
    lanes.submit(job("b", kind="text", ms=100))  # queued behind: never drawn
    await anyio.sleep(0.05)
    with anyio.fail_after(10):
        await lanes.shutdown()
    assert stage.order() == [("start", "a"), ("end", "a")]
    lanes.submit(job("c"))  # after shutdown: ignored
    await anyio.sleep(0.1)
    assert stage.order() == [("start", "a"), ("end", "a")]
    await lanes.close()
