"""Creators for tests: register over HTTP, log in, and hold an authenticated client."""

from __future__ import annotations

import itertools
import subprocess
import sys
from dataclasses import dataclass

import httpx

from .live_server import LiveServer

PASSWORD = "correct horse battery"
_counter = itertools.count()


@dataclass
class TestCreator:
    __test__ = False  # not a pytest class

    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str
    client: httpx.Client

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def register(server: LiveServer, email: str | None = None, password: str = PASSWORD) -> dict:
    email = email or f"creator{next(_counter)}-{id(server)}@example.com"
    response = httpx.post(
        f"{server.url}/api/auth/register",
        json={"email": email, "password": password, "displayName": email.split("@")[0]},
    )
    response.raise_for_status()
    return response.json()


def login(server: LiveServer, email: str, password: str = PASSWORD) -> dict:
    response = httpx.post(
        f"{server.url}/api/auth/login", json={"email": email, "password": password}
    )
    response.raise_for_status()
    return response.json()


def set_tier(server: LiveServer, email: str, tier: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "streamfx_cli",
            "server",
            "accounts",
            "set-tier",
            email,
            tier,
            "--data-dir",
            str(server.data_dir),
        ],
        check=True,
        capture_output=True,
        env=server.env,
    )


def new_creator(server: LiveServer, tier: str | None = None) -> TestCreator:
    account = register(server)
    if tier is not None:
        set_tier(server, account["email"], tier)
    tokens = login(server, account["email"])
    client = httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {tokens['accessToken']}"},
        timeout=10,
    )
    return TestCreator(
        account["id"],
        account["email"],
        PASSWORD,
        tokens["accessToken"],
        tokens["refreshToken"],
        client,
    )
