"""Shared steps of the in-process agent and delivery tests: a creator streaming, effects
with a short maxDelayMs, agents saying hello (docs/AGENT.md)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.asgi import InProcessApi, InProcessSocket
from tests.support.waiting import timed_out

TARGET = "127.0.0.1:4455"
_numbers = itertools.count()


def agent_id(name: str = "agent") -> str:
    return f"ag_{name}{next(_numbers):04d}xyz"


@dataclass
class Streamer:
    api: InProcessApi
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def fire(self, effect: str = "flash") -> dict[str, Any]:
        response = await self.api.client.post(
            "/api/effects/trigger", json={"effectId": effect}, headers=self.auth
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def activation(self, activation_id: str) -> dict[str, Any]:
        response = await self.api.client.get(f"/api/activations/{activation_id}", headers=self.auth)
        assert response.status_code == 200, response.text
        return response.json()

    async def agents(self) -> list[dict[str, Any]]:
        response = await self.api.client.get("/api/agents", headers=self.auth)
        assert response.status_code == 200, response.text
        return response.json()

    async def effect(self, kind: str = "flash", max_delay_ms: int = 300, **params: Any) -> str:
        """A new effect of `kind` with a short maxDelayMs; returns its id."""
        defaults: dict[str, dict[str, Any]] = {
            "flash": {"color": "primary"},
            "overlay": {"animation": "confetti"},
        }
        response = await self.api.client.post(
            "/api/effects",
            json={
                "name": f"{kind} {next(_numbers)}",
                "kind": kind,
                "category": "alert",
                "params": {**defaults.get(kind, {}), **params},
                "maxDelayMs": max_delay_ms,
            },
            headers=self.auth,
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    async def overlay_key(self) -> str:
        response = await self.api.client.post("/api/overlay/key", headers=self.auth)
        assert response.status_code in (200, 201), response.text
        return response.json()["key"]


async def streamer(api: InProcessApi, email: str) -> Streamer:
    token = await api.token(email)
    started = await api.client.post(
        "/api/sessions/start",
        json={"platform": "twitch"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert started.status_code == 201, started.text
    return Streamer(api, token)


async def hello(ws: InProcessSocket, agent: str, target: str = TARGET) -> dict[str, Any]:
    """Say agent.hello; the answer without its echoed id."""
    answer = await ws.ask(
        {"type": "agent.hello", "agentId": agent, "target": target, "id": "hello"}
    )
    assert answer.pop("id") == "hello"
    return answer


async def eventually(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """`wait_until` (tests/support/waiting.py) for an async `check`: await it until it
    returns something truthy, and return that."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := await check()):
        if loop.time() > deadline:
            raise timed_out(timeout, what)
        await asyncio.sleep(0.02)
    return value
