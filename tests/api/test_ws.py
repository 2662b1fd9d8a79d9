"""The live WebSocket `/api/ws`, against the real server on loopback."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.support.accounts import TestCreator, login
from tests.support.live_server import LiveServer, free_port, start_server
from tests.support.ws import close_of, live, next_of, recv, send, ws_url


def assert_nothing_queued(ws: ClientConnection) -> None:
    """A ping's pong is the next message: nothing was queued for this connection before it."""
    send(ws, {"type": "ping", "id": "probe"})
    assert recv(ws) == {"type": "pong", "id": "probe"}


def new_kit(creator: TestCreator, name: str = "Main") -> dict:
    response = creator.client.post("/api/brand-kit", json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()


def start_session(creator: TestCreator) -> dict:
    response = creator.client.post("/api/sessions/start", json={"platform": "twitch"})
    assert response.status_code == 201, response.text
    return response.json()


# -- signing in ------------------------------------------------------------------------


def test_access_token_gets_ready_in_control_mode(server: LiveServer, creator: TestCreator):
    with connect(ws_url(server)) as ws:
        send(ws, {"type": "auth", "token": creator.access_token})
        ready = recv(ws)
        # `seq` is the creator's newest event (tests/api/test_event_log.py checks it).
        assert isinstance(ready.pop("seq"), int)
        assert ready == {"type": "ready", "creatorId": creator.id, "mode": "control"}


def test_no_auth_message_in_time_closes_with_4401(server: LiveServer):
    started = time.monotonic()
    with connect(ws_url(server)) as ws:
        close, seen = close_of(ws, timeout=10)
    waited = time.monotonic() - started
    assert close is not None and close.code == 4401
    assert close.reason == "auth_timeout"
    assert seen[-1]["code"] == "auth_timeout"
    assert 4.0 < waited < 8.0


@pytest.mark.parametrize(
    ("first", "reason"),
    [
        ({"type": "auth", "token": "not-a-token"}, "invalid_token"),
        ({"type": "auth", "token": "sfo_not-a-current-overlay-key"}, "invalid_overlay_key"),
        ({"type": "auth"}, "auth_required"),
        ({"type": "ping"}, "auth_required"),
        ("{not json", "auth_required"),
    ],
)
def test_bad_first_message_closes_with_4401(server: LiveServer, first: Any, reason: str):
    with connect(ws_url(server)) as ws:
        ws.send(first if isinstance(first, str) else json.dumps(first))
        close, seen = close_of(ws)
    assert close is not None and (close.code, close.reason) == (4401, reason)
    # One error explains why, with a sentence for a person, then the close.
    assert [(m["type"], m["code"], m["httpStatus"]) for m in seen] == [("error", reason, 401)]
    assert seen[0]["error"].endswith(".")


@pytest.mark.parametrize("key", [b"another server's signing key, 32+ bytes", None])
def test_forged_token_is_refused(server: LiveServer, creator: TestCreator, key: bytes | None):
    """Right claims for a real creator, but signed with another key (or not at all)."""
    claims = jwt.decode(creator.access_token, options={"verify_signature": False})
    forged = (
        jwt.encode(claims, key, algorithm="HS256")
        if key
        else jwt.encode(claims, None, algorithm="none")
    )
    with connect(ws_url(server)) as ws:
        send(ws, {"type": "auth", "token": forged})
        close, _ = close_of(ws)
    assert close is not None and (close.code, close.reason) == (4401, "invalid_token")


# -- browser origins -------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://evil.example:{port}",
        # Another app on the same machine is another origin.
        "http://127.0.0.1:{other}",
        "http://localhost",
        "null",
    ],
)
def test_foreign_origin_is_refused_before_the_handshake(server: LiveServer, origin: str):
    origin = origin.format(port=server.port, other=free_port())
    with pytest.raises(InvalidStatus) as info:
        connect(ws_url(server), origin=origin, open_timeout=5)  # type: ignore[arg-type]
    assert info.value.response.status_code == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_own_origin_is_accepted(server: LiveServer, creator: TestCreator, host: str):
    origin = f"http://{host}:{server.port}"
    with live(server, creator.access_token, origin=origin) as ws:  # type: ignore[arg-type]
        assert_nothing_queued(ws)


# -- messages from the client ----------------------------------------------------------


def test_ping_gets_pong(server: LiveServer, creator: TestCreator):
    with live(server, creator.access_token) as ws:
        send(ws, {"type": "ping"})
        assert recv(ws) == {"type": "pong"}
        send(ws, {"type": "ping", "id": 7})
        assert recv(ws) == {"type": "pong", "id": 7}


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{oops", "invalid_json"),
        (b"\x00\x01", "invalid_message"),
        ("[1, 2]", "invalid_message"),
        ('{"no": "type"}', "invalid_message"),
        ('{"type": "dance", "id": "d1"}', "unknown_type"),
        ('{"type": "auth", "token": "again"}', "already_authenticated"),
        ('{"type": "trigger", "id": "t1"}', "validation_error"),
        ('{"type": "trigger", "effectId": "flash", "params": [1], "id": "t2"}', "validation_error"),
    ],
)
def test_bad_messages_get_an_error_and_the_connection_lives_on(
    server: LiveServer, creator: TestCreator, frame: str | bytes, code: str
):
    with live(server, creator.access_token) as ws:
        ws.send(frame)
        error = recv(ws)
        assert error["type"] == "error" and error["code"] == code
        assert error["error"].endswith(".")
        if '"id"' in str(frame):
            assert error["id"] == json.loads(frame)["id"]
        if code == "validation_error":
            assert error["httpStatus"] == 422 and error["details"]
        assert_nothing_queued(ws)


# -- events pushed by the server -------------------------------------------------------


def test_events_reach_all_of_a_creators_connections_and_no_one_else(
    server: LiveServer, make_creator
):
    alice, bob = make_creator(), make_creator()
    with (
        live(server, alice.access_token) as panel,
        live(server, alice.access_token) as script,
        live(server, bob.access_token) as bobs,
    ):
        kit = new_kit(alice, "Neon")
        for ws in (panel, script):
            event = next_of(ws, "brandKit.updated")
            assert event["brandKit"]["id"] == kit["id"]
            assert event["brandKit"]["name"] == "Neon"
        session = start_session(alice)
        for ws in (panel, script):
            assert next_of(ws, "session.updated")["session"]["id"] == session["id"]
        assert_nothing_queued(bobs)


def test_ws_trigger_answers_and_every_connection_sees_the_activation(
    server: LiveServer, creator: TestCreator
):
    session = start_session(creator)
    with live(server, creator.access_token) as deck, live(server, creator.access_token) as panel:
        send(deck, {"type": "trigger", "effectId": "flash", "sessionId": session["id"], "id": 1})
        answer = next_of(deck, "triggered")
        activation = answer["activation"]
        assert answer["id"] == 1
        assert answer["agent"] is None  # no agent connected: nobody draws it in OBS
        assert activation["effectId"] == "fx_flash"
        assert activation["sessionId"] == session["id"]
        assert activation["source"] == "ws"
        assert activation["render"]
        pushed = next_of(panel, "effect.triggered")
        assert pushed["activation"] == activation
        update = next_of(panel, "session.updated")["session"]
        assert update["metrics"]["effectsTriggered"] == 1

    # Recorded like any other activation, with the WebSocket as its source.
    status = creator.client.get(f"/api/sessions/{session['id']}/status").json()
    assert status["metrics"]["effectsTriggered"] == 1


def test_ws_trigger_follows_the_http_rules(server: LiveServer, make_creator):
    alice, bob = make_creator(), make_creator()
    session = start_session(alice)
    bobs_session = start_session(bob)
    with live(server, alice.access_token) as ws:

        def fire(effect: str, session_id: str | None = None, **extra: Any) -> dict:
            message = {"type": "trigger", "effectId": effect, "id": effect, **extra}
            if session_id:
                message["sessionId"] = session_id
            send(ws, message)
            while True:
                reply = recv(ws)
                if reply["type"] in ("triggered", "error") and reply.get("id") == effect:
                    return reply

        assert fire("no-such-effect", session["id"])["code"] == "not_found"
        # Someone else's session is as unknown as a missing one.
        assert fire("flash", bobs_session["id"])["httpStatus"] == 404
        # No sessionId: the live session, as over HTTP.
        assert fire("flash")["activation"]["sessionId"] == session["id"]
        # Confetti has a one-second cooldown.
        assert fire("confetti", session["id"])["type"] == "triggered"
        cooling = fire("confetti", session["id"])
        assert cooling["httpStatus"] == 429 and cooling["code"] == "cooldown"
        assert 0 < cooling["retryAfterMs"] <= 1000
        bad = fire("flash", session["id"], params={"opacity": 7})
        assert bad["httpStatus"] == 422
        alice.client.post("/api/sessions/pause", json={"sessionId": session["id"]})
        paused = fire("flash", session["id"])
        assert (paused["httpStatus"], paused["code"]) == (409, "session_paused")
        assert_nothing_queued(ws)


# -- ending a sign-in ------------------------------------------------------------------


def _logout(server: LiveServer, creator: TestCreator) -> None:
    response = httpx.post(
        f"{server.url}/api/auth/logout", json={"refreshToken": creator.refresh_token}
    )
    assert response.status_code == 204


def test_logout_closes_the_connection(server: LiveServer, creator: TestCreator):
    with live(server, creator.access_token) as ws:
        _logout(server, creator)
        # Checked in the background every few seconds.
        close, seen = close_of(ws, timeout=10)
    assert close is not None and (close.code, close.reason) == (4401, "session_revoked")
    assert seen[-1]["code"] == "session_revoked"


def test_after_logout_a_trigger_is_refused(server: LiveServer, creator: TestCreator):
    session = start_session(creator)
    with live(server, creator.access_token) as ws:
        _logout(server, creator)
        send(ws, {"type": "trigger", "effectId": "flash", "sessionId": session["id"]})
        close, seen = close_of(ws)
    assert close is not None and (close.code, close.reason) == (4401, "session_revoked")
    assert all(m["type"] != "triggered" for m in seen)
    status = httpx.get(
        f"{server.url}/api/sessions/{session['id']}/status",
        headers={"Authorization": f"Bearer {login(server, creator.email)['accessToken']}"},
    ).json()
    assert status["metrics"]["effectsTriggered"] == 0


def test_connection_outlives_its_access_token(tmp_path):
    """A panel stays connected when its access token expires (see routes/ws.py)."""
    server = start_server(tmp_path / "data", env={"STREAMFX_ACCESS_TTL": "2"})
    try:
        httpx.post(
            f"{server.url}/api/auth/register",
            json={
                "email": "s@example.com",
                "password": "correct horse battery",
                "displayName": "s",
            },
        ).raise_for_status()
        token = login(server, "s@example.com")["accessToken"]
        with live(server, token) as ws:
            time.sleep(2.5)
            # The token itself no longer works for new connections ...
            with connect(ws_url(server)) as late:
                send(late, {"type": "auth", "token": token})
                close, _ = close_of(late)
            assert close is not None and (close.code, close.reason) == (4401, "token_expired")
            # ... but the open one still gets the creator's events.
            fresh = login(server, "s@example.com")["accessToken"]
            response = httpx.post(
                f"{server.url}/api/brand-kit",
                json={"name": "Late"},
                headers={"Authorization": f"Bearer {fresh}"},
            )
            assert response.status_code == 201
            assert next_of(ws, "brandKit.updated")["brandKit"]["name"] == "Late"
    finally:
        server.stop()


# -- slow clients ----------------------------------------------------------------------


class StuckClient:
    """A WebSocket client that stops reading: a raw socket with a tiny receive buffer.

    It still sends. Nothing reads from it until `drain`, so whatever the server sends
    piles up in the socket buffers and then on the server.
    """

    def __init__(self, server: LiveServer, token: str) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        self.sock.settimeout(5)
        self.sock.connect(("127.0.0.1", server.port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head
        self.send({"type": "auth", "token": token})

    @staticmethod
    def frame(message: dict) -> bytes:
        payload = json.dumps(message).encode()
        mask = os.urandom(4)
        size = len(payload)
        header = (
            bytes([0x81, 0x80 | size]) if size < 126 else bytes([0x81, 0xFE]) + size.to_bytes(2)
        )
        return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    def send(self, message: dict) -> None:
        self.sock.sendall(self.frame(message))

    def flood(self, replies: int, message: dict) -> None:
        """Send `replies` messages that each get an answer, or until the server stops reading."""
        batch = self.frame(message) * 500
        self.sock.settimeout(1)
        try:
            for _ in range(0, replies, 500):
                self.sock.sendall(batch)
        except TimeoutError:
            pass  # the server stopped reading from us: it has no room left for our answers

    def drain(self, timeout: float = 20) -> tuple[list[dict], tuple[int, str] | None]:
        """Read what the server sent until it closes: (messages, (close code, reason) or None)."""
        self.sock.settimeout(timeout)
        data = bytearray()
        messages: list[dict] = []
        try:
            while chunk := self.sock.recv(1 << 20):
                data += chunk
                while (parsed := self._frame(data)) is not None:
                    opcode, payload, used = parsed
                    del data[:used]
                    if opcode == 0x1:
                        messages.append(json.loads(payload))
                    elif opcode == 0x8:
                        code = int.from_bytes(payload[:2]) if payload else 1005
                        return messages, (code, payload[2:].decode())
            return messages, None  # the server hung up without a close frame
        finally:
            self.sock.close()

    @staticmethod
    def _frame(data: bytearray) -> tuple[int, bytes, int] | None:
        """One unmasked server frame from the start of `data`, if it is all there."""
        if len(data) < 2:
            return None
        size, start = data[1] & 0x7F, 2
        if size == 126:
            size, start = int.from_bytes(data[2:4]), 4
        elif size == 127:
            size, start = int.from_bytes(data[2:10]), 10
        if len(data) < start + size:
            return None
        return data[0] & 0x0F, bytes(data[start : start + size]), start + size


def _kernel_send_buffer_max() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except (OSError, ValueError, IndexError):
        return 4 * 1024 * 1024


# An event that waited on the stuck client would arrive no sooner than the hub's send
# timeout (10 s). One that did not arrives once the server has done its own work, which
# includes reading and throwing away the megabytes the stuck client sent before it was
# dropped: a fraction of a second on an idle machine, up to 3.5 s measured with two CPU
# burners beside it on 2 cores (the server then gets a fifth of a core). Half the send
# timeout still fails any wait on the stuck client, and no longer fails a busy machine.
WAITED_ON_NO_ONE_S = 5.0


def test_a_stuck_client_is_dropped_and_never_delays_the_others(
    server: LiveServer, creator: TestCreator
):
    kit = new_kit(creator)
    stuck = StuckClient(server, creator.access_token)
    # Fill the stuck client's socket buffers quickly with answers it never reads: enough
    # to overflow the kernel's largest send buffer twice over.
    ping = {"type": "ping", "id": "p" * 128}
    stuck.flood(2 * _kernel_send_buffer_max() // 150, ping)

    total = 300
    latencies: list[float] = []
    sent_at: dict[int, float] = {}

    def reader(ws: ClientConnection) -> None:
        while len(latencies) < total:
            message = recv(ws, 20)
            if message["type"] == "brandKit.updated":
                n = int(message["brandKit"]["name"].split()[-1])
                assert n == len(latencies), "events arrive in order"
                latencies.append(time.monotonic() - sent_at[n])

    with live(server, creator.access_token) as ws:
        thread = threading.Thread(target=reader, args=(ws,), daemon=True)
        thread.start()
        with httpx.Client(base_url=server.url, headers=creator.auth, timeout=10) as client:
            for n in range(total):
                sent_at[n] = time.monotonic()
                response = client.put(f"/api/brand-kit/{kit['id']}", json={"name": f"Kit {n}"})
                assert response.status_code == 200
        thread.join(20)
        # The reading connection got every event, in order, at once: nothing waited on
        # the stuck one (whose sends would time out only after 10 s).
        assert len(latencies) == total
        assert max(latencies) < WAITED_ON_NO_ONE_S, f"slowest event took {max(latencies):.2f} s"

    # The stuck client was dropped: when it reads again it finds its backlog, then the
    # end of the connection, and not the events sent after it fell behind.
    backlog, close = stuck.drain()
    assert close in (None, (1013, "too_slow"))
    assert [m["type"] for m in backlog[:2]] == ["ready", "pong"]
    assert sum(m["type"] == "brandKit.updated" for m in backlog) < total
