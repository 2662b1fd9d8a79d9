"""The app in this process: `create_app` behind httpx's ASGI transport, no socket, no uvicorn.

For fast tests of the API's contract beside the ones against a real uvicorn
(tests/api). The app's lifespan runs as it does under uvicorn, so what it sets up
(the hub bound to the loop, the password hasher warmed) is there too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from streamfx_server.app import create_app
from streamfx_server.infra.settings import Settings

BASE_URL = "http://127.0.0.1"
PASSWORD = "correct horse battery"


@dataclass
class InProcessApi:
    app: FastAPI
    client: httpx.AsyncClient

    async def token(self, email: str, password: str = PASSWORD) -> str:
        """Register and log in; the new sign-in's access token."""
        headers = await self.sign_up(email, password)
        return headers["Authorization"].removeprefix("Bearer ")

    async def sign_up(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        """Register and log in; the Authorization header of the new sign-in."""
        registered = await self.client.post(
            "/api/auth/register",
            json={"email": email, "password": password, "displayName": email.split("@")[0]},
        )
        assert registered.status_code == 201, registered.text
        tokens = await self.client.post(
            "/api/auth/login", json={"email": email, "password": password}
        )
        assert tokens.status_code == 200, tokens.text
        return {"Authorization": f"Bearer {tokens.json()['accessToken']}"}


@asynccontextmanager
async def in_process(settings: Settings, app: FastAPI | None = None) -> AsyncIterator[InProcessApi]:
    app = app or create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            yield InProcessApi(app, client)


class InProcessSocket:
    """A WebSocket to the app in this process, spoken in ASGI messages on this loop.

    Same handler, middleware and hub as under uvicorn, without a socket: for fast
    tests of the live protocol (tests/api has the real-uvicorn ones, where a real
    connection's drop matters)."""

    def __init__(self, app: FastAPI, path: str = "/api/ws") -> None:
        self.app = app
        self.path = path
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.close_code: int | None = None

    async def open(self) -> InProcessSocket:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "http_version": "1.1",
            "path": self.path,
            "raw_path": self.path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
            "subprotocols": [],
        }
        self._task = asyncio.get_running_loop().create_task(
            self.app(scope, self._to_app.get, self._from_app.put)
        )
        await self._to_app.put({"type": "websocket.connect"})
        accepted = await self._next()
        assert accepted["type"] == "websocket.accept", accepted
        return self

    async def _next(self, timeout: float = 5) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            return await self._from_app.get()

    async def send(self, message: dict[str, Any]) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        """The next message; raises `Closed` when the server closed the socket."""
        event = await self._next(timeout)
        if event["type"] == "websocket.close":
            self.close_code = event.get("code", 1000)
            raise Closed(self.close_code)
        return json.loads(event["text"])

    async def next_of(self, kind: str, timeout: float = 5) -> dict[str, Any]:
        """The next message of type `kind`, skipping others."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.recv(timeout)
                if message["type"] == kind:
                    return message

    async def signed_in(self, token: str, **extra: Any) -> dict[str, Any]:
        """Send `auth`; returns `ready`."""
        await self.send({"type": "auth", "token": token, **extra})
        return await self.next_of("ready")

    async def ask(self, message: dict[str, Any], timeout: float = 5) -> dict[str, Any]:
        """Send a message with an id and return the answer carrying that id."""
        asked = {**message, "id": message.get("id", f"q{id(message)}")}
        await self.send(asked)
        async with asyncio.timeout(timeout):
            while True:
                answer = await self.recv(timeout)
                if answer.get("id") == asked["id"] and "seq" not in answer:
                    return answer

    async def drop(self) -> None:
        """The client goes away (a disconnect, as a dead peer looks to the server)."""
        if self._task is None or self._task.done():
            return
        await self._to_app.put({"type": "websocket.disconnect", "code": 1006})
        if self._task is not None:
            async with asyncio.timeout(10):
                await self._task


class Closed(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"closed with {code}")
        self.code = code


async def connected(app: FastAPI, token: str) -> InProcessSocket:
    """An open in-process WebSocket signed in with `token`; `drop` it when done."""
    ws = await InProcessSocket(app).open()
    await ws.signed_in(token)
    return ws


@asynccontextmanager
async def socket(app: FastAPI, token: str) -> AsyncIterator[InProcessSocket]:
    """`connected`, dropped at the end."""
    ws = await connected(app, token)
    try:
        yield ws
    finally:
        await ws.drop()
