"""`GET /api/health`: liveness, and whether the server has its owner yet (for `streamfx up`)."""

from __future__ import annotations

import httpx

from tests.support.accounts import register
from tests.support.live_server import start_server


def test_health_says_whether_the_owner_exists_without_a_sign_in(tmp_path):
    fresh = start_server(tmp_path / "data", allow_signup=False)
    try:
        before = httpx.get(f"{fresh.url}/api/health")
        assert before.status_code == 200
        assert before.json() == {
            "status": "ok",
            "version": before.json()["version"],
            "name": "streamfx",
            "hasOwner": False,
        }
        register(fresh, "owner@example.com")
        after = httpx.get(f"{fresh.url}/api/health").json()
        assert after["hasOwner"] is True
        # Nothing about the owner leaks through it.
        assert "owner@example.com" not in httpx.get(f"{fresh.url}/api/health").text
    finally:
        fresh.stop()
