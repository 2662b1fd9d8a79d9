"""`POST /api/effects/{id}/preview`: a render with given params and kit that records nothing."""

from __future__ import annotations

from tests.support.accounts import TestCreator
from tests.support.live_server import LiveServer
from tests.support.ws import live, recv, send

KIT = {
    "name": "Preview look",
    "colorPalette": {"primary": "#12AB34", "text": "#FEDCBA", "background": "#102030"},
    "typography": {"headingFont": "DejaVu Serif", "bodyFont": "DejaVu Sans", "baseSize": 52},
    "allowedCategories": ["text"],
}


def test_a_preview_renders_like_a_trigger_and_records_nothing(server: LiveServer, make_creator):
    alice: TestCreator = make_creator()
    kit = alice.client.post("/api/brand-kit", json=KIT).json()
    session = alice.client.post("/api/sessions/start", json={"platform": "twitch"}).json()
    body = {"params": {"text": "Hello chat", "durationMs": 1500}, "brandKitId": kit["id"]}
    with live(server, alice.access_token) as ws:
        answer = alice.client.post("/api/effects/banner/preview", json=body)
        assert answer.status_code == 200, answer.text
        preview = answer.json()
        # Nothing is pushed to her connections (overlay pages, agents, panels).
        send(ws, {"type": "ping", "id": "probe"})
        assert recv(ws) == {"type": "pong", "id": "probe"}
    render = preview["render"]
    assert preview["brandKitId"] == kit["id"]
    assert (render["kind"], render["text"], render["durationMs"]) == ("text", "Hello chat", 1500)
    assert render["colors"]["primary"] == "#12AB34"
    assert render["font"]["heading"] == "DejaVu Serif"

    # A kit that leaves the category out still previews (a trigger would be refused).
    flash = alice.client.post("/api/effects/flash/preview", json={"brandKitId": kit["id"]})
    assert flash.status_code == 200, flash.text
    assert flash.json()["render"]["color"] == "#12AB34"

    # The same params fired give the same render; the previews counted nothing.
    status = alice.client.get(f"/api/sessions/{session['id']}/status").json()
    assert status["metrics"]["effectsTriggered"] == 0
    alice.client.patch("/api/auth/me", json={"settings": {"activeBrandKitId": kit["id"]}})
    fired = alice.client.post(
        "/api/effects/trigger", json={"effectId": "banner", "params": body["params"]}
    ).json()
    assert fired["render"] == render


def test_without_a_kit_the_preview_uses_the_kit_a_trigger_would(server: LiveServer, make_creator):
    alice: TestCreator = make_creator()
    plain = alice.client.post("/api/effects/flash/preview", json={}).json()
    assert plain["brandKitId"] is None
    kit = alice.client.post("/api/brand-kit", json=KIT).json()
    alice.client.patch("/api/auth/me", json={"settings": {"activeBrandKitId": kit["id"]}})
    active = alice.client.post("/api/effects/flash/preview", json={}).json()
    assert active["brandKitId"] == kit["id"]
    assert active["render"]["color"] == "#12AB34" != plain["render"]["color"]


def test_bad_previews_are_refused_like_triggers(server: LiveServer, make_creator):
    alice: TestCreator = make_creator()
    bad = alice.client.post("/api/effects/flash/preview", json={"params": {"opacity": 7}})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_params")
    assert bad.json()["details"][0]["field"] == "params.opacity"
    trigger = alice.client.post(
        "/api/effects/trigger", json={"effectId": "flash", "params": {"opacity": 7}}
    )
    assert trigger.json()["details"] == bad.json()["details"]
    unknown = alice.client.post("/api/effects/no-such-effect/preview", json={})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    no_kit = alice.client.post("/api/effects/flash/preview", json={"brandKitId": "bk_nope"})
    assert (no_kit.status_code, no_kit.json()["code"]) == (404, "not_found")
    anonymous = alice.client.post(
        "/api/effects/flash/preview", json={}, headers={"Authorization": ""}
    )
    assert anonymous.status_code == 401
