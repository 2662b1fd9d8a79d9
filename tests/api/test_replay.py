"""The server goes down mid-stream and comes back: the fires the OBS agent drew meanwhile are
replayed from its journal, each recorded once, as it happened (docs/AGENT.md "The local
socket and server-down fires"). A real uvicorn, really stopped and started again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from streamfx_server.infra.ids import iso
from tests.support.accounts import TestCreator, new_creator, register
from tests.support.live_server import LiveServer, start_server
from tests.support.media import png, upload
from tests.support.ws import live, next_of, recv, send, ws_url


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of this test alone: it is stopped and started again."""
    server = start_server(tmp_path / "data")
    register(server, "owner@example.com")
    yield server
    server.stop()


def journal_entry(key: str, effect: str, occurred: datetime, drawn_ms: int) -> dict[str, Any]:
    """A fire as the agent journals it: drawn from its cache, shown after `drawn_ms`."""
    return {
        "effectId": effect,
        "source": "cli",
        "idempotencyKey": key,
        "occurredAt": iso(occurred),
        "delivery": {
            "status": "shown",
            "drawnAt": iso(occurred + timedelta(milliseconds=drawn_ms)),
        },
    }


async def send_journal(server: LiveServer, token: str, entries: list[dict]) -> list[httpx.Response]:
    """Every entry sent twice at once: a retry racing the first send (its answer was lost)."""
    async with httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        return await asyncio.gather(
            *(client.post("/api/effects/trigger", json=e) for e in entries + entries)
        )


def test_fires_drawn_while_the_server_was_down_are_recorded_once(own_server: LiveServer):
    alice = new_creator(own_server)
    session = alice.client.post("/api/sessions/start", json={"platform": "twitch"}).json()
    first = alice.client.post("/api/effects/trigger", json={"effectId": "shake"}).json()
    # Its delivery settled now, so the expiry sweeper adds no event to the log later.
    reported = alice.client.post(
        f"/api/activations/{first['id']}/delivery", json={"status": "skipped"}
    )
    assert reported.status_code == 200
    # What a panel has seen before the server goes down.
    with connect(ws_url(own_server), open_timeout=10, close_timeout=2) as panel:
        send(panel, {"type": "auth", "token": alice.access_token})
        seen_seq = next_of(panel, "ready")["seq"]

    own_server.stop()
    # The agent draws from its cache meanwhile and journals each fire: two shakes 300 ms
    # apart (a live trigger would refuse the second inside shake's 500 ms cooldown; the
    # server does not judge the agent's cooldown again), and a flash.
    down_at = datetime.now(UTC)
    entries = [
        journal_entry("j-1", "shake", down_at, 80),
        journal_entry("j-2", "shake", down_at + timedelta(milliseconds=300), 95),
        journal_entry("j-3", "flash", down_at + timedelta(milliseconds=400), 60),
    ]
    own_server.start()

    answers = asyncio.run(send_journal(own_server, alice.access_token, entries))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201, 201, 201]
    by_key: dict[str, set[str]] = {}
    for entry, answer in zip(entries + entries, answers, strict=True):
        by_key.setdefault(entry["idempotencyKey"], set()).add(answer.json()["id"])
    assert all(len(ids) == 1 for ids in by_key.values()), by_key
    activations = [answers[i].json() for i in range(3)]
    for entry, activation in zip(entries, activations, strict=True):
        assert activation["triggeredAt"] == entry["occurredAt"]
        assert activation["sessionId"] == session["id"]
        assert activation["delivery"]["status"] == "shown"
        assert activation["delivery"]["drawnAt"] == entry["delivery"]["drawnAt"]
    assert [a["delivery"]["latencyMs"] for a in activations] == [80, 95, 60]

    # The panel, back with `since`, hears of each replayed fire once, with its delivery,
    # in seq order and without gaps.
    with connect(ws_url(own_server), open_timeout=10, close_timeout=2) as panel:
        send(panel, {"type": "auth", "token": alice.access_token, "since": seen_seq})
        ready = next_of(panel, "ready")
        assert ready["seq"] == seen_seq + 6
        missed = [recv(panel) for _ in range(6)]
    assert [m["seq"] for m in missed] == list(range(seen_seq + 1, seen_seq + 7))
    pushed = [m["activation"] for m in missed if m["type"] == "effect.triggered"]
    assert sorted(a["id"] for a in pushed) == sorted(a["id"] for a in activations)
    assert all(a["delivery"]["status"] == "shown" for a in pushed)

    metrics = alice.client.get(f"/api/sessions/{session['id']}/status").json()["metrics"]
    assert metrics["effectsTriggered"] == 4
    assert metrics["byEffect"] == {"shake": 3, "flash": 1}
    assert metrics["lastTriggeredAt"] == max(e["occurredAt"] for e in entries)
    assert metrics["lastTriggeredAt"] > first["triggeredAt"]


def test_the_renders_an_agent_caches_draw_like_the_trigger(server: LiveServer, make_creator):
    alice: TestCreator = make_creator("creator")
    uploaded = upload(alice.client, png(rgb=(0, 200, 0)), name="Green logo")
    assert uploaded.status_code == 201, uploaded.text
    logo = uploaded.json()
    cached = alice.client.get("/api/effects/renders")
    assert cached.status_code == 200
    render = cached.json()["renders"][logo["id"]]
    assert render["kind"] == "image"
    assert render["lane"] == "centre"
    # The agent fetches the file it needs while the server is up, by the render's url.
    picture = alice.client.get(render["asset"]["url"])
    assert picture.status_code == 200
    assert picture.content == png(rgb=(0, 200, 0))

    assert alice.client.post("/api/sessions/start", json={"platform": "twitch"}).is_success
    fired = alice.client.post("/api/effects/trigger", json={"effectId": logo["id"]}).json()
    assert fired["render"] == render
    with live(server, alice.access_token) as ws:
        # Reading renders pushes nothing and records nothing.
        assert alice.client.get("/api/effects/renders").json() == cached.json()
        send(ws, {"type": "ping", "id": "probe"})
        assert recv(ws) == {"type": "pong", "id": "probe"}
    status = alice.client.get("/api/sessions?status=live").json()[0]
    assert status["metrics"]["effectsTriggered"] == 1
