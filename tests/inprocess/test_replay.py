"""Journal replays: `POST /api/effects/trigger` with `occurredAt` (and `delivery`) records a
fire the OBS agent drew while the server was down, as it happened (docs/AGENT.md "The
local socket and server-down fires")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from streamfx_server.infra.ids import iso
from tests.inprocess.agents import Streamer, agent_id, hello, streamer
from tests.support.asgi import InProcessApi, socket

pytestmark = pytest.mark.anyio


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


async def replay(
    alice: Streamer,
    key: str,
    occurred: datetime | str,
    effect: str = "flash",
    **fields: Any,
) -> httpx.Response:
    body = {
        "effectId": effect,
        "idempotencyKey": key,
        "occurredAt": occurred if isinstance(occurred, str) else iso(occurred),
        "source": "cli",
        **fields,
    }
    return await alice.api.client.post("/api/effects/trigger", json=body, headers=alice.auth)


async def live_session(alice: Streamer) -> dict[str, Any]:
    listed = await alice.api.client.get("/api/sessions?status=live", headers=alice.auth)
    return listed.json()[0]


async def session_status(alice: Streamer, session_id: str) -> dict[str, Any]:
    response = await alice.api.client.get(f"/api/sessions/{session_id}/status", headers=alice.auth)
    assert response.status_code == 200, response.text
    return response.json()


async def effect_with_cooldown(alice: Streamer, cooldown_ms: int) -> str:
    response = await alice.api.client.post(
        "/api/effects",
        json={
            "name": f"Slow flash {cooldown_ms}",
            "kind": "flash",
            "category": "alert",
            "params": {"color": "accent"},
            "cooldownMs": cooldown_ms,
        },
        headers=alice.auth,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def set_session_times(api: InProcessApi, session_id: str, **columns: str | None) -> None:
    """Move a session's start or end into the past (the replay's window is 24 hours)."""
    sets = ", ".join(f"{name} = ?" for name in columns)
    with api.app.state.streamfx.db.write() as conn:
        conn.execute(
            f"UPDATE stream_sessions SET {sets} WHERE id = ?", (*columns.values(), session_id)
        )


async def streaming(api: InProcessApi, email: str) -> Streamer:
    """A creator whose live session started two hours ago, before the fires replayed."""
    creator = await streamer(api, email)
    set_session_times(api, (await live_session(creator))["id"], start_time=iso(ago(hours=2)))
    return creator


# -- recorded as it happened ------------------------------------------------------------------


async def test_a_replay_is_born_with_its_delivery_and_pushed_once(api: InProcessApi):
    alice = await streaming(api, "alice@example.com")
    occurred = ago(minutes=10)
    drawn = occurred + timedelta(milliseconds=120)
    async with socket(api.app, alice.token) as panel, socket(api.app, alice.token) as agent:
        await hello(agent, agent_id())
        answer = await replay(
            alice, "journal-1", occurred, delivery={"status": "shown", "drawnAt": iso(drawn)}
        )
        assert answer.status_code == 201, answer.text
        activation = answer.json()
        assert activation.pop("agent") is not None  # an agent holds the lease now
        assert activation["triggeredAt"] == iso(occurred)
        assert activation["source"] == "cli"
        assert activation["delivery"] == {
            "status": "shown",
            "reason": None,
            "agentId": None,
            "drawnAt": iso(drawn),
            "latencyMs": 120,
        }
        # One effect.triggered carrying that delivery, then the session's metrics, in seq
        # order; no activation.updated (there was no pending moment to update from).
        pushed = await panel.next_of("effect.triggered")
        assert pushed["activation"] == activation
        session_event = await panel.recv()
        assert (session_event["type"], session_event["seq"]) == (
            "session.updated",
            pushed["seq"] + 1,
        )
        pong = await panel.ask({"type": "ping"})
        assert pong["type"] == "pong"
        # The agent sees it already reported: its claim is refused, so it never draws it again.
        assert (await agent.ask({"type": "claim", "activationId": activation["id"]}))["ok"] is False
    assert await alice.activation(activation["id"]) == activation
    again = await alice.api.client.post(
        f"/api/activations/{activation['id']}/delivery",
        json={"status": "failed", "reason": "late"},
        headers=alice.auth,
    )
    assert (again.status_code, again.json()["code"]) == (409, "delivery_reported")


async def test_the_delivery_is_judged_as_any_report(api: InProcessApi):
    alice = await streaming(api, "alice@example.com")
    occurred = ago(minutes=3)
    hidden = await replay(
        alice,
        "j-hidden",
        occurred,
        delivery={"status": "hidden", "reason": "StreamFX is below 'Game' in scene 'Scene'"},
    )
    # No drawnAt: the moment it happened (not the replay's arrival, minutes later).
    assert hidden.json()["delivery"]["drawnAt"] == iso(occurred)
    assert hidden.json()["delivery"]["latencyMs"] == 0
    failed = await replay(
        alice,
        "j-failed",
        ago(minutes=2),
        delivery={"status": "failed", "reason": "OBS is not reachable", "agentId": agent_id()},
    )
    delivery = failed.json()["delivery"]
    assert (delivery["status"], delivery["drawnAt"], delivery["latencyMs"]) == (
        "failed",
        None,
        None,
    )
    assert delivery["agentId"].startswith("ag_")
    # Without a delivery it starts pending, and being long past its maxDelayMs, the
    # sweeper's business (docs/AGENT.md "Expiry"), like any activation nobody drew.
    bare = await replay(alice, "j-bare", ago(minutes=1))
    assert bare.json()["delivery"]["status"] == "pending"


async def test_replays_skip_the_cooldown_and_count_for_the_fires_after(api: InProcessApi):
    alice = await streaming(api, "alice@example.com")
    slow = await effect_with_cooldown(alice, 60_000)
    first = await alice.fire(slow)
    refused = await alice.api.client.post(
        "/api/effects/trigger", json={"effectId": slow}, headers=alice.auth
    )
    assert refused.json()["code"] == "cooldown"
    # The agent drew this one from its cache while the server was away: recorded anyway.
    replayed = await replay(alice, "while-down", ago(seconds=1), slow)
    assert replayed.status_code == 201, replayed.text

    other = await effect_with_cooldown(alice, 30_000)
    assert (await replay(alice, "other-down", ago(seconds=10), other)).status_code == 201
    # ...and a replayed fire counts for the cooldown of the live fires after it.
    after = await alice.api.client.post(
        "/api/effects/trigger", json={"effectId": other}, headers=alice.auth
    )
    assert after.status_code == 429
    assert 15_000 < after.json()["retryAfterMs"] <= 20_000

    metrics = (await session_status(alice, first["sessionId"]))["metrics"]
    assert metrics["effectsTriggered"] == 3
    # The newest fire stays the last one, however old the replays are.
    assert metrics["lastTriggeredAt"] == first["triggeredAt"]


async def test_a_repeated_key_returns_the_first_whatever_the_replay_says(api: InProcessApi):
    alice = await streaming(api, "alice@example.com")
    first = await replay(alice, "j-7", ago(minutes=5), delivery={"status": "shown"})
    assert first.status_code == 201
    counted = (await session_status(alice, first.json()["sessionId"]))["metrics"]
    async with socket(api.app, alice.token) as panel:
        again = await replay(
            alice, "j-7", ago(minutes=1), "banner", delivery={"status": "failed", "reason": "x"}
        )
        assert again.status_code == 200
        assert again.json() == first.json()
        # A retry long after (outside the 24 hours) still gets the first, not a 422.
        late = await replay(alice, "j-7", ago(hours=30))
        assert (late.status_code, late.json()["id"]) == (200, first.json()["id"])
        assert (await panel.ask({"type": "ping"}))["type"] == "pong"  # nothing pushed
    assert (await session_status(alice, first.json()["sessionId"]))["metrics"] == counted
    # A key first used by a live fire answers a replay of it the same way.
    live = await alice.api.client.post(
        "/api/effects/trigger",
        json={"effectId": "flash", "idempotencyKey": "live-1"},
        headers=alice.auth,
    )
    repeated = await replay(alice, "live-1", ago(minutes=1))
    assert (repeated.status_code, repeated.json()["id"]) == (200, live.json()["id"])


# -- the session it belongs to ------------------------------------------------------------------


async def test_a_session_that_ended_since_takes_the_fires_made_while_it_was_live(
    api: InProcessApi,
):
    alice = await streaming(api, "alice@example.com")
    ended = await live_session(alice)
    set_session_times(api, ended["id"], start_time=iso(ago(hours=2)))
    await alice.api.client.post(
        "/api/sessions/end", json={"sessionId": ended["id"]}, headers=alice.auth
    )
    # No live session now: the one live at occurredAt takes it, named or not.
    unnamed = await replay(alice, "j-1", ago(hours=1))
    assert unnamed.status_code == 201, unnamed.text
    assert unnamed.json()["sessionId"] == ended["id"]
    named = await replay(alice, "j-2", ago(minutes=30), sessionId=ended["id"])
    assert named.json()["sessionId"] == ended["id"]
    assert (await session_status(alice, ended["id"]))["metrics"]["effectsTriggered"] == 2

    before = await replay(alice, "j-3", ago(hours=3), sessionId=ended["id"])
    assert (before.status_code, before.json()["code"]) == (409, "session_not_started")
    nothing_live = await replay(alice, "j-4", ago(hours=3))
    assert (nothing_live.status_code, nothing_live.json()["code"]) == (409, "no_live_session")
    assert nothing_live.json()["hint"]

    # A new session now: a fire after the old one ended is not the old one's.
    started = await alice.api.client.post(
        "/api/sessions/start", json={"platform": "kick"}, headers=alice.auth
    )
    set_session_times(api, ended["id"], end_time=iso(ago(minutes=20)))
    late = await replay(alice, "j-5", ago(minutes=10), sessionId=ended["id"])
    assert (late.status_code, late.json()["code"]) == (409, "session_ended")
    now_live = await replay(alice, "j-6", ago(seconds=0))
    assert now_live.json()["sessionId"] == started.json()["id"]


async def test_a_fire_inside_the_current_pause_is_refused(api: InProcessApi):
    alice = await streaming(api, "alice@example.com")
    session = await live_session(alice)
    set_session_times(api, session["id"], start_time=iso(ago(hours=1)))
    await alice.api.client.post(
        "/api/sessions/pause", json={"sessionId": session["id"]}, headers=alice.auth
    )
    paused = await replay(alice, "in-pause", ago(seconds=0))
    assert (paused.status_code, paused.json()["code"]) == (409, "session_paused")
    # Before the pause began, it was live.
    earlier = await replay(alice, "before-pause", ago(minutes=5))
    assert earlier.status_code == 201, earlier.text


# -- refusals ------------------------------------------------------------------------------


async def test_bad_replays_are_refused_with_a_reason_and_change_nothing(api: InProcessApi):
    alice = await streaming(api, "alice@example.com")
    session = await live_session(alice)
    client = alice.api.client
    moment = iso(ago(minutes=1))

    async def refused(body: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(
            "/api/effects/trigger", json={"effectId": "flash", **body}, headers=alice.auth
        )
        assert response.status_code == 422, response.text
        answer = response.json()
        assert answer["error"] and answer["hint"], answer
        return answer

    unkeyed = await refused({"occurredAt": moment})
    assert unkeyed["error"] == "occurredAt is accepted only together with idempotencyKey."
    unreplayed = await refused({"idempotencyKey": "k", "delivery": {"status": "shown"}})
    assert unreplayed["details"][0]["field"] == "delivery"
    old = await refused({"idempotencyKey": "k", "occurredAt": iso(ago(hours=24, seconds=5))})
    assert old["code"] == "occurred_at_out_of_range"
    assert "24 hours" in old["error"]
    future = await refused({"idempotencyKey": "k", "occurredAt": iso(ago(seconds=-30))})
    assert future["code"] == "occurred_at_out_of_range"
    assert "future" in future["error"]
    naive = await refused({"idempotencyKey": "k", "occurredAt": "2030-01-01T10:00:00"})
    assert naive["details"][0]["field"] == "occurredAt"
    for delivery in (
        {"status": "overlay"},
        {"status": "failed", "drawnAt": moment},
        {"status": "hidden", "reason": "x" * 501},
        {"status": "shown", "agentId": "not-an-agent"},
    ):
        answer = await refused({"idempotencyKey": "k", "occurredAt": moment, "delivery": delivery})
        assert answer["details"][0]["field"].startswith("delivery"), answer

    # A little ahead (two computers' clocks) is fine.
    assert (await replay(alice, "skewed", ago(seconds=-2))).status_code == 201
    metrics = (await session_status(alice, session["id"]))["metrics"]
    assert metrics["effectsTriggered"] == 1
    # The key of a refused replay was not used up.
    assert (await replay(alice, "k", ago(minutes=1))).status_code == 201


async def test_the_websocket_trigger_takes_no_replay(api: InProcessApi):
    alice = await streaming(api, "alice@example.com")
    async with socket(api.app, alice.token) as ws:
        answer = await ws.ask(
            {
                "type": "trigger",
                "effectId": "flash",
                "idempotencyKey": "ws-1",
                "occurredAt": iso(ago(minutes=1)),
            }
        )
    assert (answer["type"], answer["code"]) == ("error", "validation_error")


async def test_a_replay_never_reaches_another_creators_things(api: InProcessApi):
    alice = await streaming(api, "alice@example.com")
    bob = await streaming(api, "bob@example.com")
    alices_session = await live_session(alice)
    alices_effect = await effect_with_cooldown(alice, 0)
    into_hers = await replay(bob, "b-1", ago(minutes=1), sessionId=alices_session["id"])
    assert (into_hers.status_code, into_hers.json()["code"]) == (404, "not_found")
    with_hers = await replay(bob, "b-2", ago(minutes=1), alices_effect)
    assert (with_hers.status_code, with_hers.json()["code"]) == (404, "not_found")
    # Keys are per creator: Alice's key is Bob's to use, and answers Bob's own fire.
    hers = await replay(alice, "shared", ago(minutes=1))
    his = await replay(bob, "shared", ago(minutes=1))
    assert his.status_code == 201
    assert his.json()["id"] != hers.json()["id"]
    assert (await session_status(alice, alices_session["id"]))["metrics"]["effectsTriggered"] == 1
