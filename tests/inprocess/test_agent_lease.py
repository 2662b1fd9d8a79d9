"""The drawing lease in-process: agent.hello, holder and standbys, takeover, agent.status,
GET /api/agents and the trigger's `agent`, and isolation (docs/AGENT.md "Lease")."""

from __future__ import annotations

import pytest

from tests.inprocess.agents import TARGET, agent_id, hello, streamer
from tests.support.asgi import Closed, InProcessApi, InProcessSocket, connected, socket

pytestmark = pytest.mark.anyio


async def test_the_first_agent_holds_the_next_waits_and_takes_over_when_it_goes(
    api: InProcessApi,
):
    alice = await streamer(api, "alice@example.com")
    first, second = agent_id("first"), agent_id("second")
    async with (
        socket(api.app, alice.token) as panel,
        socket(api.app, alice.token) as holder,
        socket(api.app, alice.token) as standby,
    ):
        assert await hello(holder, first) == {
            "type": "agent.lease",
            "holder": True,
            "target": TARGET,
        }
        status = await panel.next_of("agent.status")
        assert isinstance(status.pop("seq"), int)  # logged like every pushed event
        assert status == {
            "type": "agent.status",
            "state": "drawing",
            "agentId": first,
            "target": TARGET,
        }
        assert await hello(standby, second) == {
            "type": "agent.lease",
            "holder": False,
            "target": TARGET,
        }
        assert [a["agentId"] for a in await alice.agents()] == [first]

        await holder.drop()
        # The standby is told at once; the event follows through the log.
        assert await standby.next_of("agent.lease") == {
            "type": "agent.lease",
            "holder": True,
            "target": TARGET,
        }
        status = await panel.next_of("agent.status")
        assert (status["state"], status["agentId"]) == ("drawing", second)
        (listed,) = await alice.agents()
        assert (listed["agentId"], listed["target"]) == (second, TARGET)
        assert listed["since"].endswith("Z")

        await standby.drop()
        status = await panel.next_of("agent.status")
        del status["seq"]
        assert status == {"type": "agent.status", "state": "down", "target": TARGET}
        assert await alice.agents() == []


async def test_standbys_take_over_in_the_order_they_came(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    async with socket(api.app, alice.token) as holder:
        await hello(holder, agent_id())
        waiting: list[InProcessSocket] = []
        for _ in range(3):
            ws = await connected(api.app, alice.token)
            assert (await hello(ws, agent_id()))["holder"] is False
            waiting.append(ws)
        # The middle one leaves first: it was never the holder, so nothing changes.
        await waiting[1].drop()
        await holder.drop()
        assert (await waiting[0].next_of("agent.lease"))["holder"] is True
        await waiting[0].drop()
        assert (await waiting[2].next_of("agent.lease"))["holder"] is True
        await waiting[2].drop()


async def test_each_target_has_its_own_holder_and_the_trigger_names_the_oldest(
    api: InProcessApi,
):
    alice = await streamer(api, "alice@example.com")
    studio, laptop = agent_id("studio"), agent_id("laptop")
    async with socket(api.app, alice.token) as one, socket(api.app, alice.token) as two:
        assert (await hello(one, studio, "10.0.0.5:4455"))["holder"] is True
        assert (await hello(two, laptop, "[::1]:4456"))["holder"] is True
        listed = await alice.agents()
        assert [(a["agentId"], a["target"]) for a in listed] == [
            (studio, "10.0.0.5:4455"),
            (laptop, "[::1]:4456"),
        ]
        fired = await alice.fire()
        assert fired["agent"] == {"agentId": studio, "target": "10.0.0.5:4455"}
        answer = await two.ask({"type": "trigger", "effectId": "flash"})
        assert answer["type"] == "triggered"
        assert answer["agent"] == {"agentId": studio, "target": "10.0.0.5:4455"}
        await one.drop()
        assert (await alice.fire())["agent"] == {"agentId": laptop, "target": "[::1]:4456"}
    assert (await alice.fire())["agent"] is None


async def test_an_agent_that_reconnects_takes_its_own_place_at_once(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    me, other = agent_id("me"), agent_id("other")
    async with (
        socket(api.app, alice.token) as panel,
        socket(api.app, alice.token) as ghost,
        socket(api.app, alice.token) as standby,
        socket(api.app, alice.token) as again,
    ):
        await hello(ghost, me)
        await panel.next_of("agent.status")
        await hello(standby, other)
        # The server has not noticed the old connection is dead; the agent is back.
        assert (await hello(again, me))["holder"] is True
        replaced = await ghost.next_of("error")
        assert replaced["code"] == "agent_replaced"
        assert replaced["httpStatus"] == 409
        with pytest.raises(Closed) as closed:
            await ghost.recv()
        assert closed.value.code == 4409
        assert [a["agentId"] for a in await alice.agents()] == [me]
        # The same agent still draws: nothing to announce, and the standby still waits.
        await panel.send({"type": "ping", "id": "probe"})
        assert (await panel.recv())["type"] == "pong"
        await again.drop()
        assert (await standby.next_of("agent.lease"))["holder"] is True


async def test_one_connection_is_one_agent(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    me = agent_id()
    async with socket(api.app, alice.token) as ws:
        assert (await hello(ws, me))["holder"] is True
        # Saying the same hello again is answered the same.
        assert (await hello(ws, me))["holder"] is True
        for other in ({"agentId": agent_id()}, {"target": "127.0.0.1:4456"}):
            refused = await ws.ask(
                {"type": "agent.hello", "agentId": me, "target": TARGET, **other}
            )
            assert refused["type"] == "error"
            assert refused["code"] == "agent_already_announced"
            assert refused["httpStatus"] == 409
            assert refused["error"] == (
                f"This connection is already agent {me} for {TARGET}; one connection is one agent."
            )
            assert refused["hint"]
        assert [a["agentId"] for a in await alice.agents()] == [me]


BAD_HELLOS = [
    ({"target": TARGET}, "agentId"),
    ({"agentId": "ag_short", "target": TARGET}, "agentId"),
    ({"agentId": "me_12345678", "target": TARGET}, "agentId"),
    ({"agentId": "ag_" + "x" * 65, "target": TARGET}, "agentId"),
    ({"agentId": "ag_bad/chars!", "target": TARGET}, "agentId"),
    ({"agentId": 12345678901}, "agentId"),
    ({"agentId": "ag_12345678"}, "target"),
    ({"agentId": "ag_12345678", "target": ""}, "target"),
    ({"agentId": "ag_12345678", "target": "obs"}, "target"),
    ({"agentId": "ag_12345678", "target": "obs:0"}, "target"),
    ({"agentId": "ag_12345678", "target": "obs:65536"}, "target"),
    ({"agentId": "ag_12345678", "target": "my obs:4455"}, "target"),
    ({"agentId": "ag_12345678", "target": "ws://obs:4455"}, "target"),
    ({"agentId": "ag_12345678", "target": "o" * 250 + ".com:4455"}, "target"),
    ({"agentId": "ag_12345678", "target": ["127.0.0.1:4455"]}, "target"),
    ({"agentId": "ag_12345678", "target": TARGET, "colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_HELLOS)
async def test_a_bad_hello_is_refused_and_the_connection_stays(
    api: InProcessApi, fields: dict, field: str
):
    alice = await streamer(api, "alice@example.com")
    async with socket(api.app, alice.token) as ws:
        refused = await ws.ask({"type": "agent.hello", **fields})
        assert refused["type"] == "error"
        assert refused["code"] == "validation_error"
        assert refused["httpStatus"] == 422
        assert refused["details"][0]["field"] == field
        assert refused["error"].startswith(f"Invalid {field}")
        assert refused["hint"]
        pong = await ws.ask({"type": "ping"})
        assert pong["type"] == "pong"
        assert await alice.agents() == []


async def test_an_overlay_key_cannot_be_an_agent(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    key = await alice.overlay_key()
    async with socket(api.app, key) as overlay:
        refused = await hello(overlay, agent_id())
        assert refused["type"] == "error"
        assert refused["code"] == "listen_only"
        assert refused["httpStatus"] == 403
        assert "access token" in refused["error"]
    assert await alice.agents() == []


async def test_standbys_and_targets_are_limited_per_creator(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    sockets = []
    try:
        for n in range(9):  # the holder and 8 standbys
            ws = await connected(api.app, alice.token)
            sockets.append(ws)
            assert (await hello(ws, agent_id()))["holder"] is (n == 0)
        extra = await connected(api.app, alice.token)
        sockets.append(extra)
        refused = await hello(extra, agent_id())
        assert refused["code"] == "too_many_agents"
        assert refused["httpStatus"] == 429
        assert refused["error"] == (
            "You already have 8 agents waiting as standby; that is the limit."
        )
        # Seven more targets fit (eight in all), the ninth does not.
        for port in range(4456, 4463):
            assert (await hello(extra, agent_id(), f"127.0.0.1:{port}"))["holder"] is True
            extra = await connected(api.app, alice.token)
            sockets.append(extra)
        refused = await hello(extra, agent_id(), "127.0.0.1:5000")
        assert refused["code"] == "too_many_agents"
        assert "8 OBS targets" in refused["error"]
        # Another creator has limits of their own.
        bob = await streamer(api, "bob@example.com")
        async with socket(api.app, bob.token) as bobs:
            assert (await hello(bobs, agent_id()))["holder"] is True
    finally:
        for ws in sockets:
            await ws.drop()


async def test_creators_never_see_each_others_agents(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    bob = await streamer(api, "bob@example.com")
    alices = agent_id("alice")
    async with socket(api.app, bob.token) as bobs_panel:
        async with socket(api.app, alice.token) as agent:
            # The same target on another creator's account is another lease.
            async with socket(api.app, bob.token) as bobs_agent:
                assert (await hello(agent, alices))["holder"] is True
                assert (await hello(bobs_agent, agent_id("bob")))["holder"] is True
                status = await bobs_panel.next_of("agent.status")
                assert status["agentId"] != alices
            assert (await bob.fire())["agent"] is None
            assert await bob.agents() == []
            assert [a["agentId"] for a in await alice.agents()] == [alices]
        await bobs_panel.send({"type": "ping", "id": "probe"})
        seen = []
        while (message := await bobs_panel.recv())["type"] != "pong":
            seen.append(message)
        # Bob heard of his own agent going down, never of Alice's.
        assert all(m.get("agentId") != alices for m in seen), seen


async def test_agents_need_a_sign_in(api: InProcessApi):
    response = await api.client.get("/api/agents")
    assert response.status_code == 401
    assert response.json()["code"]
