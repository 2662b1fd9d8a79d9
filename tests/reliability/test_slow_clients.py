"""Slow clients are dropped and a cap bounds open connections (issue 12, point 5).

Before, 200 connections that sent one header line every 9 s all stayed open for as
long as they liked: no header timeout, no body timeout, no cap. Now (server started
with short timeouts so the test takes seconds, not minutes):

- a slowloris of 200 sockets trickling header lines is closed after the header
  timeout (with 408), and /api/health stays fast meanwhile;
- a request body that stalls is closed after the body idle timeout;
- past `--max-connections` open connections, HTTP requests and WebSocket handshakes
  get 503, and serving resumes once the slow ones are gone;
- the default cap leaves room for 500 overlays (the fan-out benchmark's load).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from streamfx_server.infra.settings import Settings
from tests.support.live_server import LiveServer
from tests.support.ws import ws_url

from .helpers import own_server

TIMEOUT = 2.0


def _open(server: LiveServer, first: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(first)
    return sock


def _closed_by_server(sock: socket.socket) -> bool:
    """True when the server has closed its side (everything it sent has been read)."""
    sock.settimeout(0)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


class Trickle:
    """Sends one more header line on each socket every `every` seconds, in a thread."""

    def __init__(self, socks: list[socket.socket], every: float) -> None:
        self.socks = socks
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        while not self._stop.wait(self.every):
            n += 1
            for sock in self.socks:
                with suppress(OSError):
                    sock.sendall(f"X-Slow-{n}: still here\r\n".encode())

    def __enter__(self) -> Trickle:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def _sockets(server: LiveServer, count: int, first: bytes) -> Iterator[list[socket.socket]]:
    socks = [_open(server, first) for _ in range(count)]
    try:
        yield socks
    finally:
        for sock in socks:
            sock.close()


def _wait_until_closed(socks: list[socket.socket], deadline: float) -> list[socket.socket]:
    open_ = list(socks)
    while open_ and time.monotonic() < deadline:
        open_ = [s for s in open_ if not _closed_by_server(s)]
        time.sleep(0.2)
    return open_


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[LiveServer]:
    args = ("--header-timeout", str(TIMEOUT), "--body-timeout", str(TIMEOUT))
    with own_server(tmp_path / "data", extra_args=args) as server:
        yield server


def test_a_slowloris_is_closed_and_health_stays_fast(slow_server: LiveServer):
    server = slow_server
    head = f"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n".encode()
    with _sockets(server, 200, head) as socks, Trickle(socks, every=0.5):
        started = time.monotonic()
        slowest = 0.0
        with httpx.Client(timeout=10) as client:
            while time.monotonic() - started < TIMEOUT + 1:
                t = time.monotonic()
                assert client.get(f"{server.url}/api/health").status_code == 200
                slowest = max(slowest, time.monotonic() - t)
                time.sleep(0.1)
        still_open = _wait_until_closed(socks, time.monotonic() + TIMEOUT + 5)
        assert still_open == [], f"{len(still_open)} of 200 slow sockets still open"
    assert slowest < 2.0, slowest  # the old code never dropped them at all
    # The slow ones were told why (those whose answer arrived before the close).
    with _sockets(server, 1, head) as (sock,):
        sock.settimeout(TIMEOUT + 5)
        assert sock.recv(4096).startswith(b"HTTP/1.1 408")


def test_a_stalled_body_is_closed(slow_server: LiveServer):
    server = slow_server
    head = (
        f"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        '{"email": "'
    ).encode()
    with _sockets(server, 20, head) as socks:
        started = time.monotonic()
        still_open = _wait_until_closed(socks, started + TIMEOUT + 5)
        assert still_open == []
        assert time.monotonic() - started >= TIMEOUT - 0.5  # not before its time
    assert httpx.get(f"{server.url}/api/health").status_code == 200


def test_a_body_that_keeps_coming_is_not_cut_off(slow_server: LiveServer):
    """Slow but steady is not stalled: each byte restarts the idle clock."""
    server = slow_server
    body = b'{"email": "nobody@example.com", "password": "wrong horse battery"}'
    head = (
        f"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with _sockets(server, 1, head) as (sock,):
        chunks = [body[i : i + 12] for i in range(0, len(body), 12)]
        for chunk in chunks:  # ~3 s in all, more than the idle timeout
            time.sleep(TIMEOUT / 4)
            sock.sendall(chunk)
        sock.settimeout(10)
        assert sock.recv(4096).startswith(b"HTTP/1.1 401")


def test_past_the_connection_cap_new_requests_get_503(tmp_path: Path):
    args = ("--header-timeout", "3", "--max-connections", "30")
    with own_server(tmp_path / "data", extra_args=args) as server:
        head = f"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n".encode()
        with _sockets(server, 40, head) as socks:
            time.sleep(0.5)
            busy = httpx.get(f"{server.url}/api/health")
            assert busy.status_code == 503
            with pytest.raises(InvalidStatus) as refused:
                connect(ws_url(server), open_timeout=10)
            assert refused.value.response.status_code == 503
            _wait_until_closed(socks, time.monotonic() + 10)
        assert httpx.get(f"{server.url}/api/health").status_code == 200
        # Under the cap, WebSockets (overlays) and requests get along.
        with ExitStack() as stack:
            for _ in range(20):
                stack.enter_context(connect(ws_url(server), open_timeout=10))
            assert httpx.get(f"{server.url}/api/health").status_code == 200


def test_the_default_cap_leaves_room_for_500_overlays():
    settings = Settings(data_dir=Path("unused"))
    # 500 overlay sockets, and as many again for panels, the CLI and requests in flight.
    assert settings.max_connections >= 1000
    assert settings.header_timeout <= 30 and settings.body_idle_timeout <= 60
