"""Shared pieces of the reliability suite: dedicated servers, the API's operations, WebSockets."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection

from tests.support.accounts import PASSWORD, login, register
from tests.support.live_server import LiveServer, start_server
from tests.support.ws import recv, send


@contextmanager
def own_server(data_dir: Path, **kwargs: Any) -> Iterator[LiveServer]:
    """A server of the test's own: for tests that lock out 127.0.0.1, kill it or read its log."""
    server = start_server(data_dir, **kwargs)
    try:
        yield server
    finally:
        server.stop()


def sign_in(server: LiveServer, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """Register `email` (the first account owns the server) and log in: the token pair."""
    register(server, email, password)
    return login(server, email, password)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@cache
def openapi_spec() -> dict[str, Any]:
    """The OpenAPI document of the app as built now, read in-process at collection time.

    Tests are generated from it (one per operation), so a new route is tested without
    anyone remembering to add it; the live server serves the same document.
    """
    from streamfx_server.app import create_app
    from streamfx_server.infra.settings import Settings

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(data_dir=Path(folder) / "data"))
        spec = app.openapi()
        app.state.streamfx.db.close()
    return spec


def operations() -> list[tuple[str, str]]:
    """(METHOD, path template) of every documented operation."""
    return [
        (method.upper(), path)
        for path, item in openapi_spec()["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    ]


# -- WebSocket -------------------------------------------------------------------------


def assert_nothing_queued(ws: ClientConnection) -> None:
    """A ping's pong is the next message: nothing was queued for this connection before it."""
    send(ws, {"type": "ping", "id": "probe"})
    assert recv(ws) == {"type": "pong", "id": "probe"}
