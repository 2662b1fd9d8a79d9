"""`POST /api/overlay/key` and what the overlay key may do, against the real server."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.frames import Close
from websockets.sync.client import ClientConnection, connect

from tests.support.accounts import TestCreator
from tests.support.live_server import LiveServer
from tests.support.waiting import wait_until
from tests.support.ws import close_of, recv, send, ws_url


@contextmanager
def listening(
    server: LiveServer, token: str, query: str = "", **kwargs: Any
) -> Iterator[tuple[ClientConnection, dict]]:
    with connect(ws_url(server, query), open_timeout=5, close_timeout=2, **kwargs) as ws:
        send(ws, {"type": "auth", "token": token})
        yield ws, recv(ws)


def closed(ws: ClientConnection, timeout: float = 5) -> Close | None:
    return close_of(ws, timeout)[0]


def new_key(creator: TestCreator) -> dict:
    response = creator.client.post("/api/overlay/key")
    assert response.status_code == 201, response.text
    return response.json()


def test_new_key_is_shown_once_with_the_overlay_url(server: LiveServer, creator: TestCreator):
    response = creator.client.post("/api/overlay/key")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"key", "url", "replaced"}
    assert body["replaced"] is False  # the creator's first key replaces nothing
    assert len(body["key"]) >= 40
    assert body["url"] == f"{server.url}/overlay?key={body['key']}"
    # A secret in a response must not be kept by caches along the way.
    assert response.headers["cache-control"] == "no-store"
    # Each call makes a different key, and says the earlier one stops working.
    again = new_key(creator)
    assert again["key"] != body["key"] and again["replaced"] is True


def test_making_a_key_needs_sign_in(server: LiveServer):
    response = httpx.post(f"{server.url}/api/overlay/key")
    assert response.status_code == 401
    assert response.json()["code"] == "missing_token"


def test_overlay_key_listens_to_its_creator(server: LiveServer, make_creator):
    alice, bob = make_creator(), make_creator()
    key = new_key(alice)["key"]
    with listening(server, key, origin=f"http://127.0.0.1:{server.port}") as (ws, ready):  # type: ignore[arg-type]
        # A new key's first events: `seq` 1 is Alice's kit below, so none came before.
        assert ready == {"type": "ready", "creatorId": alice.id, "mode": "listen", "seq": 0}
        bob.client.post("/api/brand-kit", json={"name": "Bob's"})
        alice.client.post("/api/brand-kit", json={"name": "Alice's"})
        # Alice's event is the first thing the overlay sees: Bob's never reached it.
        event = recv(ws)
        assert event["type"] == "brandKit.updated"
        assert event["brandKit"]["name"] == "Alice's"


def test_overlay_key_cannot_trigger(server: LiveServer, creator: TestCreator):
    session = creator.client.post("/api/sessions/start", json={"platform": "twitch"}).json()
    key = new_key(creator)["key"]
    with listening(server, key) as (ws, _):
        send(ws, {"type": "trigger", "effectId": "flash", "sessionId": session["id"], "id": "t"})
        error = recv(ws)
        assert (error["type"], error["code"], error["httpStatus"], error["id"]) == (
            "error",
            "listen_only",
            403,
            "t",
        )
        # Still listening afterwards.
        send(ws, {"type": "ping"})
        assert recv(ws) == {"type": "pong"}
    status = creator.client.get(f"/api/sessions/{session['id']}/status").json()
    assert status["metrics"]["effectsTriggered"] == 0


def test_overlay_key_is_not_an_access_token(server: LiveServer, creator: TestCreator):
    key = new_key(creator)["key"]
    for call in (
        lambda h: httpx.get(f"{server.url}/api/auth/me", headers=h),
        lambda h: httpx.post(f"{server.url}/api/overlay/key", headers=h),
    ):
        assert call({"Authorization": f"Bearer {key}"}).status_code == 401


def test_rotation_closes_old_listeners_and_retires_the_old_key(
    server: LiveServer, creator: TestCreator
):
    old = new_key(creator)["key"]
    with (
        listening(server, old) as (overlay, _),
        listening(server, old) as (second_overlay, _),
        listening(server, creator.access_token) as (panel, _),
    ):
        new = new_key(creator)["key"]
        for ws in (overlay, second_overlay):
            close = closed(ws)
            assert close is not None and (close.code, close.reason) == (4401, "overlay_key_rotated")
        # The creator's signed-in panel is not affected.
        send(panel, {"type": "ping"})
        assert recv(panel) == {"type": "pong"}

    with listening(server, old) as (ws, refusal):
        assert (refusal["type"], refusal["code"]) == ("error", "invalid_overlay_key")
        close = closed(ws)
        assert close is not None and close.code == 4401
    with listening(server, new) as (_, ready):
        assert ready["mode"] == "listen"


def test_overlay_key_never_reaches_the_server_log(server: LiveServer, creator: TestCreator):
    key = new_key(creator)["key"]
    # The overlay URL as OBS would load it, and a careless WebSocket URL with the key in it.
    httpx.get(f"{server.url}/overlay", params={"key": key})
    with listening(server, key, query=f"?key={key}") as (_, ready):
        assert ready["mode"] == "listen"
    with pytest.raises(InvalidStatus):
        connect(ws_url(server, f"?x=1&key={key}"), origin="https://evil.example")  # type: ignore[arg-type]
    # uvicorn writes its lines as they happen; give the file a moment.
    with contextlib.suppress(AssertionError):
        written = lambda: server.log_text().count("key=[redacted]") >= 3  # noqa: E731
        wait_until(written, 5, "the three lines", every=0.05)
    log = server.log_text()
    assert "GET /overlay?key=[redacted]" in log
    assert 'WebSocket /api/ws?key=[redacted]" [accepted]' in log
    assert 'WebSocket /api/ws?x=1&key=[redacted]" 403' in log
    assert key not in log
    assert key[4:20] not in log
