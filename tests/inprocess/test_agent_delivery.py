"""Claims and deliveries over the WebSocket, the overlay pages' acknowledgements, and the
expiry sweeper, in-process (docs/AGENT.md "Delivery record")."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamfx_server.infra.settings import Settings
from tests.inprocess.agents import Streamer, agent_id, eventually, hello, streamer
from tests.support.asgi import InProcessApi, InProcessSocket, connected, socket

pytestmark = pytest.mark.anyio

PENDING = {"status": "pending", "reason": None, "agentId": None, "drawnAt": None, "latencyMs": None}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # A quick sweeper, so expiries show within a test's patience.
    return Settings(data_dir=tmp_path / "data", allow_signup=True, delivery_sweep_every=0.05)


async def claim(ws: InProcessSocket, activation_id: str) -> dict:
    return await ws.ask({"type": "claim", "activationId": activation_id})


async def deliver(ws: InProcessSocket, activation_id: str, **fields) -> dict:
    return await ws.ask({"type": "delivery", "activationId": activation_id, **fields})


async def delivery_of(alice: Streamer, activation_id: str) -> dict:
    return (await alice.activation(activation_id))["delivery"]


async def settled(alice: Streamer, activation_id: str, timeout: float = 10) -> dict:
    """The delivery once it is no longer pending."""

    async def check() -> dict | None:
        delivery = await delivery_of(alice, activation_id)
        return None if delivery["status"] == "pending" else delivery

    return await eventually(check, timeout, f"the delivery of {activation_id} to settle")


# -- claim ---------------------------------------------------------------------------------


async def test_the_holder_claims_once_and_a_second_agent_cannot(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    first, second = agent_id("first"), agent_id("second")
    holder = await connected(api.app, alice.token)
    async with socket(api.app, alice.token) as standby:
        await hello(holder, first)
        await hello(standby, second)
        fired = await alice.fire()
        answer = await holder.ask({"type": "claim", "activationId": fired["id"], "id": 7})
        assert answer == {"type": "claimed", "activationId": fired["id"], "ok": True, "id": 7}
        assert await delivery_of(alice, fired["id"]) == {**PENDING, "agentId": first}
        assert (await claim(holder, fired["id"]))["ok"] is True  # its own claim, again
        # A takeover in the middle of a burst: the new holder cannot draw it twice.
        await holder.drop()
        await standby.next_of("agent.lease")
        assert (await claim(standby, fired["id"]))["ok"] is False
        later = await alice.fire()
        assert (await claim(standby, later["id"]))["ok"] is True


async def test_only_the_lease_holder_claims_and_reports(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    key = await alice.overlay_key()
    async with (
        socket(api.app, alice.token) as holder,
        socket(api.app, alice.token) as standby,
        socket(api.app, alice.token) as panel,
        socket(api.app, key) as overlay,
    ):
        await hello(holder, agent_id())
        await hello(standby, agent_id())
        fired = await alice.fire()
        for ws, why in (
            (standby, "This agent is a standby"),
            (panel, 'send "agent.hello" first'),
            (overlay, "An overlay key can only listen"),
        ):
            for message in ({"type": "claim"}, {"type": "delivery", "status": "shown"}):
                refused = await ws.ask({**message, "activationId": fired["id"]})
                assert refused["type"] == "error"
                assert refused["code"] == "not_lease_holder"
                assert refused["httpStatus"] == 403
                assert why in refused["error"]
                assert refused["hint"]
        assert await delivery_of(alice, fired["id"]) == PENDING


async def test_a_claim_of_something_not_yours_is_not_found(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    bob = await streamer(api, "bob@example.com")
    bobs = await bob.fire()
    async with socket(api.app, alice.token) as holder:
        await hello(holder, agent_id())
        for activation_id in (bobs["id"], "act_nothing"):
            for message in (
                {"type": "claim"},
                {"type": "delivery", "status": "shown"},
            ):
                refused = await holder.ask({**message, "activationId": activation_id})
                assert refused["code"] == "not_found"
                assert refused["httpStatus"] == 404
                assert refused["error"] == "No activation with that id."
        refused = await holder.ask({"type": "claim", "activationId": ""})
        assert refused["code"] == "validation_error"
        assert refused["details"][0]["field"] == "activationId"
    assert await delivery_of(bob, bobs["id"]) == PENDING


async def test_a_claim_after_max_delay_is_refused(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    late = await alice.effect(max_delay_ms=0)
    async with socket(api.app, alice.token) as holder:
        await hello(holder, agent_id())
        fired = await alice.fire(late)
        assert (await claim(holder, fired["id"]))["ok"] is False


# -- delivery --------------------------------------------------------------------------------


async def test_the_holder_reports_and_everyone_hears_it(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    me = agent_id()
    async with socket(api.app, alice.token) as holder, socket(api.app, alice.token) as panel:
        await hello(holder, me)
        fired = await alice.fire()
        assert (await claim(holder, fired["id"]))["ok"] is True
        answer = await holder.ask(
            {"type": "delivery", "activationId": fired["id"], "status": "shown", "id": "d1"}
        )
        delivery = await delivery_of(alice, fired["id"])
        assert answer == {
            "type": "delivered",
            "activationId": fired["id"],
            "delivery": delivery,
            "id": "d1",
        }
        assert delivery["status"] == "shown"
        assert delivery["agentId"] == me
        assert delivery["latencyMs"] >= 0
        pushed = await panel.next_of("activation.updated")
        assert isinstance(pushed["seq"], int)
        assert pushed["activation"]["delivery"] == delivery

        again = await deliver(holder, fired["id"], status="failed", reason="x")
        assert again["code"] == "delivery_reported"
        assert again["httpStatus"] == 409
        assert await delivery_of(alice, fired["id"]) == delivery

        # Unclaimed: a report is still taken, with this agent's id.
        other = await alice.fire()
        hidden = await deliver(
            holder, other["id"], status="hidden", reason="StreamFX is hidden in scene 'Scene'"
        )
        assert hidden["delivery"]["agentId"] == me
        assert hidden["delivery"]["reason"] == "StreamFX is hidden in scene 'Scene'"


async def test_a_report_on_another_agents_claim_is_refused(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    first, second = agent_id("first"), agent_id("second")
    holder = await connected(api.app, alice.token)
    async with socket(api.app, alice.token) as standby:
        await hello(holder, first)
        await hello(standby, second)
        fired = await alice.fire()
        await claim(holder, fired["id"])
        await holder.drop()
        await standby.next_of("agent.lease")
        refused = await deliver(standby, fired["id"], status="shown")
        assert refused["code"] == "delivery_claimed"
        assert refused["httpStatus"] == 409
        assert refused["agentId"] == first


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "status"),
        ({"status": "overlay"}, "status"),
        ({"status": "pending"}, "status"),
        ({"status": "shown", "drawnAt": "yesterday"}, "drawnAt"),
        ({"status": "failed", "drawnAt": "2025-01-01T10:00:00Z"}, "body"),
        ({"status": "failed", "reason": "x" * 501}, "reason"),
        ({"status": "shown", "agentId": "ag_somebodyelse"}, "agentId"),
        ({"status": "shown", "colour": "red"}, "colour"),
    ],
)
async def test_a_bad_delivery_is_refused_and_changes_nothing(
    api: InProcessApi, fields: dict, field: str
):
    alice = await streamer(api, "alice@example.com")
    async with socket(api.app, alice.token) as holder:
        await hello(holder, agent_id())
        fired = await alice.fire()
        refused = await deliver(holder, fired["id"], **fields)
        assert refused["code"] == "validation_error"
        assert refused["httpStatus"] == 422
        assert refused["details"][0]["field"] == field
        assert refused["hint"]
        assert (await holder.ask({"type": "ping"}))["type"] == "pong"
    assert await delivery_of(alice, fired["id"]) == PENDING


# -- overlay pages -----------------------------------------------------------------------------


async def test_overlay_pages_count_up_each_once(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    key = await alice.overlay_key()
    async with (
        socket(api.app, key) as page_one,
        socket(api.app, key) as page_two,
        socket(api.app, alice.token) as panel,
    ):
        fired = await alice.fire("confetti")
        await page_one.send({"type": "drawn", "activationId": fired["id"]})
        first = (await panel.next_of("activation.updated"))["activation"]["delivery"]
        assert first["status"] == "overlay"
        assert first["reason"] == "shown on 1 overlay page"
        assert first["drawnAt"] is not None
        assert first["latencyMs"] >= 0
        # The same page again counts nothing; another page counts one more.
        await page_one.send({"type": "drawn", "activationId": fired["id"]})
        await page_two.send({"type": "drawn", "activationId": fired["id"]})
        second = (await panel.next_of("activation.updated"))["activation"]["delivery"]
        assert second["reason"] == "shown on 2 overlay pages"
        assert second["drawnAt"] == first["drawnAt"]
        assert await delivery_of(alice, fired["id"]) == second


async def test_acknowledgements_of_other_kinds_change_nothing(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    bob = await streamer(api, "bob@example.com")
    key = await alice.overlay_key()
    async with socket(api.app, key) as page, socket(api.app, alice.token) as panel:
        flash = await alice.fire("flash")
        await page.send({"type": "drawn", "activationId": flash["id"]})
        # Nothing answered, nothing pushed: the next answer is the pong.
        assert (await page.ask({"type": "ping"}))["type"] == "pong"
        assert await delivery_of(alice, flash["id"]) == PENDING
        bobs = await bob.fire("confetti")
        refused = await page.ask({"type": "drawn", "activationId": bobs["id"]})
        assert refused["code"] == "not_found"
        assert await delivery_of(bob, bobs["id"]) == PENDING
        # A panel is not an overlay page.
        confetti = await alice.fire("confetti")
        refused = await panel.ask({"type": "drawn", "activationId": confetti["id"]})
        assert refused["code"] == "overlay_only"
        assert refused["httpStatus"] == 403
        assert await delivery_of(alice, confetti["id"]) == PENDING


async def test_an_ack_after_a_final_delivery_changes_nothing(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    key = await alice.overlay_key()
    fired = await alice.fire("confetti")
    reported = await api.client.post(
        f"/api/activations/{fired['id']}/delivery",
        json={"status": "skipped", "reason": "--no-obs"},
        headers=alice.auth,
    )
    assert reported.status_code == 200
    async with socket(api.app, key) as page:
        await page.send({"type": "drawn", "activationId": fired["id"]})
        assert (await page.ask({"type": "ping"}))["type"] == "pong"
    assert (await delivery_of(alice, fired["id"]))["status"] == "skipped"


# -- the expiry sweeper ------------------------------------------------------------------------


async def test_nothing_drew_it_and_no_agent_ran(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    quick = await alice.effect(max_delay_ms=200)
    async with socket(api.app, alice.token) as panel:
        fired = await alice.fire(quick)
        pushed = await panel.next_of("activation.updated")
        assert pushed["activation"]["id"] == fired["id"]
        assert pushed["activation"]["delivery"] == {
            **PENDING,
            "status": "expired",
            "reason": "no agent was running",
        }
        assert await delivery_of(alice, fired["id"]) == pushed["activation"]["delivery"]


async def test_an_agent_ran_but_did_not_draw_it(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    quick = await alice.effect(max_delay_ms=200)
    async with socket(api.app, alice.token) as holder:
        await hello(holder, agent_id())
        fired = await alice.fire(quick)
        delivery = await settled(alice, fired["id"])
    assert (delivery["status"], delivery["reason"]) == (
        "expired",
        "no agent drew it within 200 ms",
    )


async def test_the_agent_that_claimed_it_stopped(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    quick = await alice.effect(max_delay_ms=200)
    holder = await connected(api.app, alice.token)
    me = agent_id()
    await hello(holder, me)
    fired = await alice.fire(quick)
    assert (await claim(holder, fired["id"]))["ok"] is True
    await holder.drop()
    delivery = await settled(alice, fired["id"])
    assert delivery == {
        **PENDING,
        "status": "expired",
        "reason": "the agent that claimed it stopped before reporting",
        "agentId": me,
    }


async def test_a_live_claimer_is_given_time_to_report(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    quick = await alice.effect(max_delay_ms=100)
    async with socket(api.app, alice.token) as holder:
        await hello(holder, agent_id())
        fired = await alice.fire(quick)
        assert (await claim(holder, fired["id"]))["ok"] is True
        unclaimed = await alice.fire(quick)
        # The unclaimed one expires; the claimed one waits for its agent meanwhile.
        await settled(alice, unclaimed["id"])
        assert (await delivery_of(alice, fired["id"]))["status"] == "pending"
        shown = await deliver(holder, fired["id"], status="shown")
        assert shown["delivery"]["status"] == "shown"


async def test_no_overlay_page_showed_it(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    quick = await alice.effect("overlay", max_delay_ms=150)
    async with socket(api.app, alice.token) as holder:
        await hello(holder, agent_id())  # an agent does not draw overlay kinds
        fired = await alice.fire(quick)
        delivery = await settled(alice, fired["id"])
    assert (delivery["status"], delivery["reason"]) == ("expired", "no overlay page showed it")


async def test_nothing_expires_before_its_max_delay(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    patient = await alice.effect(max_delay_ms=60_000)
    quick = await alice.effect(max_delay_ms=100)
    waits = await alice.fire(patient)
    # The quick one expiring shows that sweeps ran in between.
    quick_one = await alice.fire(quick)
    await settled(alice, quick_one["id"])
    assert await delivery_of(alice, waits["id"]) == PENDING
    # Drawn by the CLI itself (no agent), in time: reported, never expired.
    reported = await api.client.post(
        f"/api/activations/{waits['id']}/delivery", json={"status": "shown"}, headers=alice.auth
    )
    assert reported.status_code == 200
    assert reported.json()["delivery"]["status"] == "shown"
