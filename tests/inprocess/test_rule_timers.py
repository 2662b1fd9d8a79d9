"""Timer rules on live time, with a settable clock (docs/RULES.md "Timers").

The server's clock (`Settings.clock`) is a `SettableClock` here: the test moves it, and
the scheduler (a lifespan task, every 50 ms) fires what has come due, so an hour of live
time passes without waiting for it. Where a test must know that nothing is due, it runs
the scheduler's own step (`fire_due_timers`) itself and reads its answer, rather than
waiting to see that nothing happens.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from streamfx_server.infra.clock import SettableClock
from streamfx_server.infra.settings import Settings
from streamfx_server.rule_firing import fire_due_timers
from tests.support.asgi import InProcessApi, in_process
from tests.support.waiting import wait_until_async

pytestmark = pytest.mark.anyio


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(datetime(2030, 1, 1, 20, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path, clock: SettableClock) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", allow_signup=True, clock=clock, rules_scan_every=0.05
    )


async def _rule(api: InProcessApi, auth: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Timer",
        "effectId": "banner",
        "params": {"text": "Tick {count} at {liveSeconds}"},
        **fields,
    }
    response = await api.client.post("/api/rules", headers=auth, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _session(
    api: InProcessApi, auth: dict[str, str], action: str = "start", sid: str = ""
) -> str:
    body = {"platform": "twitch"} if action == "start" else {"sessionId": sid}
    response = await api.client.post(f"/api/sessions/{action}", headers=auth, json=body)
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


def _ticks(api: InProcessApi, rule_id: str) -> list[str]:
    """The texts of the rule's activations, in the order they were recorded."""
    rows = api.app.state.streamfx.db.all(
        "SELECT json_extract(render, '$.text') FROM effect_activations "
        "WHERE rule_id = ? AND source = 'rule' ORDER BY rowid",
        (rule_id,),
    )
    return [row[0] for row in rows]


async def _until_ticks(api: InProcessApi, rule_id: str, count: int) -> list[str]:
    """Wait for the scheduler to have fired `count` ticks of the rule."""
    await wait_until_async(
        lambda: len(_ticks(api, rule_id)) >= count,
        10,
        f"{count} ticks of {rule_id}",
        pause=asyncio.sleep,
        seen=lambda: str(_ticks(api, rule_id)),
    )
    return _ticks(api, rule_id)


async def _nothing_due(api: InProcessApi) -> None:
    assert await fire_due_timers(api.app.state.streamfx) == []


async def test_a_timer_ticks_on_live_time_and_a_pause_stops_its_clock(
    api: InProcessApi, clock: SettableClock
):
    auth = await api.sign_up("timer@example.com")
    rule = await _rule(
        api, auth, trigger={"type": "timer", "everySeconds": 60, "offsetSeconds": 30}
    )
    sid = await _session(api, auth)

    clock.advance(29)
    await _nothing_due(api)
    clock.advance(1)
    assert await _until_ticks(api, rule["id"], 1) == ["Tick 1 at 30"]

    clock.advance(59)  # live 89: the next mark is 90
    await _nothing_due(api)
    await _session(api, auth, "pause", sid)
    clock.advance(3600)  # an hour paused is no live time
    await _nothing_due(api)
    await _session(api, auth, "resume", sid)
    await _nothing_due(api)
    clock.advance(1)  # live 90
    assert await _until_ticks(api, rule["id"], 2) == ["Tick 1 at 30", "Tick 2 at 90"]

    page = (await api.client.get(f"/api/sessions/{sid}/activations", headers=auth)).json()
    assert [(a["source"], a["ruleId"]) for a in page["activations"]] == [("rule", rule["id"])] * 2
    listed = (await api.client.get(f"/api/rules/{rule['id']}", headers=auth)).json()
    assert listed["lastFired"]["activationId"] == page["activations"][-1]["id"]


async def test_a_restart_neither_repeats_a_tick_nor_loses_more_than_the_missed_ones(
    settings: Settings, clock: SettableClock
):
    async with in_process(settings) as api:
        auth = await api.sign_up("restart@example.com")
        rule = await _rule(api, auth, trigger={"type": "timer", "everySeconds": 60})
        await _session(api, auth)
        clock.advance(60)
        assert await _until_ticks(api, rule["id"], 1) == ["Tick 1 at 60"]

    # The same moment after a restart: the tick was spent, it does not come again.
    async with in_process(settings) as api:
        await _nothing_due(api)
        assert _ticks(api, rule["id"]) == ["Tick 1 at 60"]

    # Down across the marks 120, 180 and 240: they come back as one tick, the latest.
    clock.advance(200)  # live 260
    async with in_process(settings) as api:
        assert await _until_ticks(api, rule["id"], 2) == ["Tick 1 at 60", "Tick 4 at 260"]
        await _nothing_due(api)
        clock.advance(39)  # live 299
        await _nothing_due(api)
        clock.advance(1)  # live 300: the next mark on the grid
        assert (await _until_ticks(api, rule["id"], 3))[-1] == "Tick 5 at 300"


async def test_a_timer_made_mid_session_joins_the_grid_at_its_next_mark(
    api: InProcessApi, clock: SettableClock
):
    auth = await api.sign_up("late@example.com")
    await _session(api, auth)
    clock.advance(100)
    rule = await _rule(api, auth, trigger={"type": "timer", "everySeconds": 60, "offsetSeconds": 0})
    await _nothing_due(api)  # the marks at 0 and 60 are behind it
    clock.advance(20)  # live 120: the third mark
    assert await _until_ticks(api, rule["id"], 1) == ["Tick 3 at 120"]


async def test_each_session_starts_the_grid_again(api: InProcessApi, clock: SettableClock):
    auth = await api.sign_up("again@example.com")
    rule = await _rule(api, auth, trigger={"type": "timer", "everySeconds": 60})
    first = await _session(api, auth)
    clock.advance(130)
    assert await _until_ticks(api, rule["id"], 1) == ["Tick 2 at 130"]
    await _session(api, auth, "end", first)
    clock.advance(600)  # no session: no live time
    await _nothing_due(api)
    await _session(api, auth)
    clock.advance(60)
    assert (await _until_ticks(api, rule["id"], 2))[-1] == "Tick 1 at 60"


async def test_a_refused_tick_is_spent_and_says_why(api: InProcessApi, clock: SettableClock):
    auth = await api.sign_up("calm@example.com")
    kit = await api.client.post(
        "/api/brand-kit", headers=auth, json={"name": "Calm", "allowedCategories": ["ambient"]}
    )
    rule = await _rule(api, auth, trigger={"type": "timer", "everySeconds": 60})
    response = await api.client.post(
        "/api/sessions/start",
        headers=auth,
        json={"platform": "twitch", "brandKitId": kit.json()["id"]},
    )
    assert response.status_code == 201
    clock.advance(60)
    db = api.app.state.streamfx.db
    await wait_until_async(
        lambda: db.one("SELECT last_refused_code FROM rules WHERE id = ?", (rule["id"],))[0],
        10,
        "the refused tick",
        pause=asyncio.sleep,
    )
    await _nothing_due(api)  # the tick is spent: not tried again until the next mark
    listed = (await api.client.get(f"/api/rules/{rule['id']}", headers=auth)).json()
    assert (listed["lastFired"], listed["lastRefused"]["code"]) == (None, "category_not_allowed")
    assert "does not allow text effects" in listed["lastRefused"]["reason"]
    assert _ticks(api, rule["id"]) == []
