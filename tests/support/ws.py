"""A real WebSocket client for the live `/api/ws` on loopback, shared by the test suites."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close
from websockets.sync.client import ClientConnection, connect

from tests.support.live_server import LiveServer


def ws_url(server: LiveServer, suffix: str = "") -> str:
    """The WebSocket's address; `suffix` is a path or query string to append."""
    return f"ws://127.0.0.1:{server.port}/api/ws{suffix}"


def recv(ws: ClientConnection, timeout: float = 5) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=timeout))


def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    ws.send(json.dumps(message))


@contextmanager
def live(
    server: LiveServer, token: str, path: str = "", **kwargs: Any
) -> Iterator[ClientConnection]:
    """A connection that has sent its auth message and got `ready`."""
    with connect(ws_url(server, path), open_timeout=10, close_timeout=2, **kwargs) as ws:
        send(ws, {"type": "auth", "token": token})
        ready = recv(ws)
        assert ready["type"] == "ready", ready
        yield ws


def next_of(ws: ClientConnection, kind: str, timeout: float = 5) -> dict[str, Any]:
    """The next message of type `kind`, skipping others (say, session.updated)."""
    deadline = time.monotonic() + timeout
    while True:
        message = recv(ws, max(0.01, deadline - time.monotonic()))
        if message["type"] == kind:
            return message


def close_of(ws: ClientConnection, timeout: float = 5) -> tuple[Close | None, list[dict]]:
    """Read until the server closes; returns its close frame and what came before it."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    with pytest.raises(ConnectionClosed) as info:
        while True:
            seen.append(recv(ws, max(0.01, deadline - time.monotonic())))
    return info.value.rcvd, seen
