"""The API's contract in-process: the error envelope, isolation, and events after commits."""

from __future__ import annotations

import pytest

from tests.support.asgi import InProcessApi

pytestmark = pytest.mark.anyio


async def test_framework_errors_use_the_envelope(api: InProcessApi):
    missing = await api.client.get("/api/no-such-thing")
    assert missing.status_code == 404
    assert set(missing.json()) >= {"error", "code"}
    wrong_method = await api.client.delete("/api/health")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"]
    unsigned = await api.client.get("/api/brand-kit")
    assert unsigned.status_code == 401
    assert unsigned.headers["www-authenticate"] == "Bearer"


async def test_a_kit_is_its_creators_alone(api: InProcessApi):
    owner = await api.sign_up("owner@example.com")
    other = await api.sign_up("other@example.com")
    made = await api.client.post("/api/brand-kit", json={"name": "Neon"}, headers=owner)
    assert made.status_code == 201
    kit_id = made.json()["id"]
    for method, body in (("GET", None), ("PUT", {"name": "Mine"}), ("DELETE", None)):
        response = await api.client.request(
            method, f"/api/brand-kit/{kit_id}", json=body, headers=other
        )
        assert response.status_code == 404, (method, response.text)
    kept = await api.client.get(f"/api/brand-kit/{kit_id}", headers=owner)
    assert kept.json()["name"] == "Neon"


async def test_session_lifecycle_and_a_trigger(api: InProcessApi):
    headers = await api.sign_up("streamer@example.com")
    started = await api.client.post(
        "/api/sessions/start", json={"platform": "twitch"}, headers=headers
    )
    assert started.status_code == 201
    session_id = started.json()["id"]
    again = await api.client.post("/api/sessions/start", json={"platform": "kick"}, headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "session_live"

    fired = await api.client.post(
        "/api/effects/trigger", json={"effectId": "flash"}, headers=headers
    )
    assert fired.status_code == 201, fired.text
    assert fired.json()["sessionId"] == session_id

    paused = await api.client.post(
        "/api/sessions/pause", json={"sessionId": session_id}, headers=headers
    )
    assert paused.json()["status"] == "paused"
    refused = await api.client.post(
        "/api/effects/trigger", json={"effectId": "flash"}, headers=headers
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "session_paused"
    status = await api.client.get(f"/api/sessions/{session_id}/status", headers=headers)
    assert status.json()["metrics"]["effectsTriggered"] == 1
