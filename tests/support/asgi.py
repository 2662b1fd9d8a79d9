"""The app in this process: `create_app` behind httpx's ASGI transport, no socket, no uvicorn.

For fast tests of the API's contract beside the ones against a real uvicorn
(tests/api). The app's lifespan runs as it does under uvicorn, so what it sets up
(the hub bound to the loop, the password hasher warmed) is there too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

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
