"""OBS events between the server and the agents, in-process (docs/AGENT.md "OBS events"):
the lease holder is told what its creator's obs rules wait for, and again when the
rules change; a standby is told nothing and may not report; a report fires the
creator's matching rules; bad reports are refused and a flood is cut to 20 a second."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.inprocess.agents import Streamer, agent_id, hello, streamer
from tests.support.asgi import InProcessApi, InProcessSocket, socket

pytestmark = pytest.mark.anyio


async def _rule(who: Streamer, trigger: dict[str, Any], **extra: Any) -> str:
    response = await who.api.client.post(
        "/api/rules",
        headers=who.auth,
        json={"name": "Rule", "trigger": {"type": "obs", **trigger}, "effectId": "flash", **extra},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _until_pong(ws: InProcessSocket) -> list[dict[str, Any]]:
    """Every message before the answer to a ping: what the server sent until now."""
    await ws.send({"type": "ping", "id": "until"})
    seen = []
    while (message := await ws.recv())["type"] != "pong":
        seen.append(message)
    return seen


def _told(messages: list[dict[str, Any]]) -> list[list[str]]:
    return [m["events"] for m in messages if m["type"] == "agent.obsEvents"]


async def test_the_holder_is_told_what_the_rules_wait_for_and_a_standby_nothing(
    api: InProcessApi,
):
    alice = await streamer(api, "alice@example.com")
    bob = await streamer(api, "bob@example.com")
    await _rule(alice, {"event": "sceneChanged", "scene": "Starting"})
    await _rule(alice, {"event": "sceneChanged"})
    await _rule(alice, {"event": "recordingStarted"})
    await _rule(alice, {"event": "streamStarted"}, enabled=False)
    async with (
        socket(api.app, alice.token) as holder,
        socket(api.app, alice.token) as standby,
        socket(api.app, bob.token) as bobs,
    ):
        assert (await hello(holder, agent_id("holder")))["holder"] is True
        assert _told(await _until_pong(holder)) == [["recordingStarted", "sceneChanged"]]
        assert (await hello(standby, agent_id("standby")))["holder"] is False
        assert (await hello(bobs, agent_id("bob")))["holder"] is True
        assert _told(await _until_pong(bobs)) == [[]]  # no obs rules: watch nothing

        media = await _rule(alice, {"event": "mediaEnded", "input": "Jingle"})
        assert _told(await _until_pong(holder)) == [
            ["mediaEnded", "recordingStarted", "sceneChanged"]
        ]
        switched_off = await api.client.put(
            f"/api/rules/{media}", headers=alice.auth, json={"enabled": False}
        )
        assert switched_off.status_code == 200
        assert _told(await _until_pong(holder)) == [["recordingStarted", "sceneChanged"]]
        # Neither the standby nor another creator's agent heard any of it.
        assert _told(await _until_pong(standby)) == []
        assert _told(await _until_pong(bobs)) == []

        # The standby that takes over is told at once, after its lease.
        await holder.drop()
        assert (await standby.next_of("agent.lease"))["holder"] is True
        told = await standby.next_of("agent.obsEvents")
        assert told == {"type": "agent.obsEvents", "events": ["recordingStarted", "sceneChanged"]}


async def test_a_report_fires_the_reporting_creators_matching_rules(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    bob = await streamer(api, "bob@example.com")
    starting = await _rule(alice, {"event": "sceneChanged", "scene": "Starting"})
    await _rule(bob, {"event": "sceneChanged", "scene": "Starting"})
    async with socket(api.app, alice.token) as holder, socket(api.app, bob.token) as bobs:
        await hello(holder, agent_id("alice"))
        await hello(bobs, agent_id("bob"))
        await holder.send(
            {
                "type": "agent.obsEvent",
                "event": "sceneChanged",
                "scene": "Starting",
                "at": "2025-05-01T20:00:00Z",
            }
        )
        fired = (await holder.next_of("effect.triggered"))["activation"]
        assert (fired["source"], fired["ruleId"]) == ("rule", starting)
        rule = (await api.client.get(f"/api/rules/{starting}", headers=alice.auth)).json()
        assert rule["lastFired"]["activationId"] == fired["id"]
        # Bob's agent got nothing of it: his rule waits for his own OBS.
        assert [m for m in await _until_pong(bobs) if m["type"] == "effect.triggered"] == []


async def test_bad_reports_are_refused_and_fire_nothing(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    rule = await _rule(alice, {"event": "sceneChanged"})
    async with (
        socket(api.app, alice.token) as holder,
        socket(api.app, alice.token) as standby,
        socket(api.app, alice.token) as panel,
    ):
        await hello(holder, agent_id("holder"))
        await hello(standby, agent_id("standby"))
        report = {"type": "agent.obsEvent", "event": "sceneChanged", "scene": "Starting"}
        for who, why in ((standby, "standby"), (panel, "agent.hello")):
            refused = await who.ask(report)
            assert (refused["code"], refused["httpStatus"]) == ("not_lease_holder", 403)
            assert why in refused["error"]
        for wrong, field in (
            ({"event": "sceneSwitched", "scene": "X"}, "event"),
            ({"event": "sceneChanged"}, None),  # a scene change names its scene
            ({"event": "streamStarted", "scene": "X"}, None),
            ({"event": "sceneChanged", "scene": "X", "at": "yesterday"}, "at"),
            ({"event": "sceneChanged", "scene": "X", "extra": 1}, "extra"),
        ):
            answer = await holder.ask({"type": "agent.obsEvent", **wrong})
            assert (answer["code"], answer["httpStatus"]) == ("validation_error", 422), wrong
            if field is not None:
                assert [d["field"] for d in answer["details"]] == [field]
        assert [m for m in await _until_pong(holder) if m["type"] == "effect.triggered"] == []
        listed = (await api.client.get(f"/api/rules/{rule}", headers=alice.auth)).json()
        assert (listed["lastFired"], listed["lastRefused"]) == (None, None)


async def test_a_flood_of_reports_is_cut_with_one_log_line(
    api: InProcessApi, caplog: pytest.LogCaptureFixture
):
    alice = await streamer(api, "alice@example.com")
    flooding = agent_id("flood")
    async with socket(api.app, alice.token) as holder:
        await hello(holder, flooding)
        with caplog.at_level(logging.WARNING, logger="streamfx.server"):
            for _ in range(100):
                await holder.send({"type": "agent.obsEvent", "event": "streamStarted"})
            await _until_pong(holder)  # every report has been handled
    dropped = [r.getMessage() for r in caplog.records if "dropping OBS events" in r.getMessage()]
    assert len(dropped) == 1
    assert flooding in dropped[0] and "more than 20 a second" in dropped[0]
    assert alice.token not in dropped[0]
