"""`idempotencyKey` on triggers: the first use records (201), a repeat returns that first
activation (200) and records, counts and pushes nothing, even when 20 race."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support.accounts import TestCreator
from tests.support.live_server import LiveServer
from tests.support.ws import live, next_of, recv, send


@pytest.fixture
def session(creator: TestCreator) -> dict:
    response = creator.client.post("/api/sessions/start", json={"platform": "twitch"})
    assert response.status_code == 201
    return response.json()


def trigger(creator: TestCreator, key: str | None, effect: str = "flash") -> httpx.Response:
    body: dict = {"effectId": effect}
    if key is not None:
        body["idempotencyKey"] = key
    return creator.client.post("/api/effects/trigger", json=body)


def metrics(creator: TestCreator, session: dict) -> dict:
    return creator.client.get(f"/api/sessions/{session['id']}/status").json()["metrics"]


def assert_nothing_pushed(ws) -> None:
    send(ws, {"type": "ping", "id": "probe"})
    assert recv(ws) == {"type": "pong", "id": "probe"}


def test_a_repeated_key_returns_the_first_activation(
    server: LiveServer, creator: TestCreator, session: dict
):
    first = trigger(creator, "fire-1")
    assert first.status_code == 201
    counted = metrics(creator, session)
    with live(server, creator.access_token) as ws:
        again = trigger(creator, "fire-1")
        assert again.status_code == 200
        assert again.json() == first.json()
        assert_nothing_pushed(ws)
    assert metrics(creator, session) == counted
    assert counted["effectsTriggered"] == 1


def test_a_repeat_answers_even_after_the_session_ended(creator: TestCreator, session: dict):
    first = trigger(creator, "journal-7").json()
    creator.client.post("/api/sessions/end", json={"sessionId": session["id"]})
    again = trigger(creator, "journal-7")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    # A new key in an ended session is refused as any trigger is.
    assert trigger(creator, "journal-8").status_code == 409


def test_a_repeat_shows_the_delivery_as_it_is_now(creator: TestCreator, session: dict):
    first = trigger(creator, "k").json()
    creator.client.post(f"/api/activations/{first['id']}/delivery", json={"status": "skipped"})
    assert trigger(creator, "k").json()["delivery"]["status"] == "skipped"


def test_different_keys_and_no_key_each_record(creator: TestCreator, session: dict):
    ids = {trigger(creator, key).json()["id"] for key in ("a", "b", None, None)}
    assert len(ids) == 4
    assert metrics(creator, session)["effectsTriggered"] == 4


def test_keys_are_per_creator(creator: TestCreator, session: dict, make_creator):
    other = make_creator()
    assert other.client.post("/api/sessions/start", json={"platform": "kick"}).is_success
    mine = trigger(creator, "same-key")
    theirs = trigger(other, "same-key")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["sessionId"] != session["id"]


@pytest.mark.parametrize("key", ["", "x" * 101, 42])
def test_a_bad_key_is_refused_and_records_nothing(creator: TestCreator, session: dict, key):
    response = creator.client.post(
        "/api/effects/trigger", json={"effectId": "flash", "idempotencyKey": key}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["details"][0]["field"] == "idempotencyKey"
    assert metrics(creator, session)["effectsTriggered"] == 0


def test_twenty_racing_repeats_record_one_activation(
    server: LiveServer, creator: TestCreator, session: dict
):
    async def race() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=None)
        async with httpx.AsyncClient(
            base_url=server.url, headers=creator.auth, limits=limits, timeout=30
        ) as client:
            body = {"effectId": "flash", "idempotencyKey": "race"}
            return await asyncio.gather(
                *(client.post("/api/effects/trigger", json=body) for _ in range(20))
            )

    with live(server, creator.access_token) as ws:
        answers = asyncio.run(race())
        statuses = sorted(r.status_code for r in answers)
        assert statuses == [200] * 19 + [201]
        assert len({r.json()["id"] for r in answers}) == 1
        # Exactly one effect.triggered was pushed.
        next_of(ws, "effect.triggered")
        send(ws, {"type": "ping", "id": "probe"})
        seen = []
        while (message := recv(ws))["type"] != "pong":
            seen.append(message["type"])
        assert "effect.triggered" not in seen
    assert metrics(creator, session)["effectsTriggered"] == 1


def test_the_websocket_trigger_takes_a_key_too(
    server: LiveServer, creator: TestCreator, session: dict
):
    with live(server, creator.access_token) as ws:
        send(ws, {"type": "trigger", "effectId": "flash", "idempotencyKey": "ws-1", "id": 1})
        first = next_of(ws, "triggered")
        assert "repeated" not in first
        send(ws, {"type": "trigger", "effectId": "flash", "idempotencyKey": "ws-1", "id": 2})
        again = next_of(ws, "triggered")
        assert again == {
            "type": "triggered",
            "activation": first["activation"],
            "agent": None,
            "repeated": True,
            "id": 2,
        }
        send(ws, {"type": "trigger", "effectId": "flash", "idempotencyKey": "", "id": 3})
        refused = next_of(ws, "error")
        assert (refused["httpStatus"], refused["code"]) == (422, "validation_error")
    # The HTTP API sees the same key as used.
    assert trigger(creator, "ws-1").status_code == 200
    assert metrics(creator, session)["effectsTriggered"] == 1
