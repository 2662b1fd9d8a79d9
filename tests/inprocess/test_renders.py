"""`GET /api/effects/renders`: every effect's render as a trigger would build it now, for the
OBS agent's cache (docs/AGENT.md "The local socket and server-down fires")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.inprocess.agents import Streamer, streamer
from tests.support.asgi import InProcessApi
from tests.support.media import png

pytestmark = pytest.mark.anyio

BUILT_INS = {"banner", "flash", "shake", "confetti", "sparkles", "brb"}
NEON = {"primary": "#112233", "secondary": "#445566", "accent": "#778899"}


async def renders(creator: Streamer) -> dict[str, Any]:
    response = await creator.api.client.get("/api/effects/renders", headers=creator.auth)
    assert response.status_code == 200, response.text
    return response.json()


async def make(creator: Streamer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await creator.api.client.post(path, json=body, headers=creator.auth)
    assert response.status_code == 201, response.text
    return response.json()


async def test_each_render_is_what_firing_it_now_gives(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    kit = await make(
        alice,
        "/api/brand-kit",
        {"name": "Neon", "colorPalette": NEON, "motionIntensity": 5},
    )
    await alice.api.client.patch(
        "/api/auth/me", json={"settings": {"activeBrandKitId": kit["id"]}}, headers=alice.auth
    )
    lower_third = await make(
        alice,
        "/api/effects",
        {"name": "Hello chat", "kind": "text", "category": "text", "params": {"text": "Hi!"}},
    )
    uploaded = await alice.api.client.post(
        "/api/effects/upload",
        data={"name": "Logo", "kind": "image", "category": "alert"},
        files={"file": ("logo.png", png(), "image/png")},
        headers=alice.auth,
    )
    assert uploaded.status_code == 201, uploaded.text
    logo = uploaded.json()

    cached = await renders(alice)
    assert cached["activeBrandKitId"] == kit["id"]
    slugs = [e["slug"] for e in cached["effects"]]
    assert set(slugs) == BUILT_INS | {"hello-chat", "logo"}
    assert slugs[-2:] == ["hello-chat", "logo"]  # built-ins first, then her own
    described = {e["slug"]: e for e in cached["effects"]}
    assert described["shake"] == {
        "id": described["shake"]["id"],
        "slug": "shake",
        "name": "Shake",
        "kind": "shake",
        "cooldownMs": 500,
        "queueMode": "queue",
        "maxDelayMs": 5000,
    }
    assert set(cached["renders"]) == {e["id"] for e in cached["effects"]}
    # Reading them recorded nothing: her session counts no fire.
    session = (await alice.api.client.get("/api/sessions?status=live", headers=alice.auth)).json()
    assert session[0]["metrics"]["effectsTriggered"] == 0

    for effect in cached["effects"]:
        fired = await alice.fire(effect["id"])
        assert cached["renders"][effect["id"]] == fired["render"], effect["slug"]
    assert cached["renders"][lower_third["id"]]["text"] == "Hi!"
    assert cached["renders"][lower_third["id"]]["colors"]["primary"] == NEON["primary"]
    assert cached["renders"][logo["id"]]["asset"] == {
        "sha256": logo["asset"]["sha256"],
        "contentType": "image/png",
        "url": logo["asset"]["url"],
    }


async def test_the_live_sessions_kit_and_its_categories_decide(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    session = (await alice.api.client.get("/api/sessions?status=live", headers=alice.auth)).json()
    await alice.api.client.post(
        "/api/sessions/end", json={"sessionId": session[0]["id"]}, headers=alice.auth
    )
    plain = await renders(alice)
    assert plain["activeBrandKitId"] is None  # no kit: the defaults
    calm = await make(
        alice,
        "/api/brand-kit",
        {"name": "Calm", "colorPalette": NEON, "allowedCategories": ["alert", "text"]},
    )
    await make(alice, "/api/sessions/start", {"platform": "twitch", "brandKitId": calm["id"]})
    cached = await renders(alice)
    assert cached["activeBrandKitId"] == calm["id"]
    ids = {e["slug"]: e["id"] for e in cached["effects"]}
    # Every effect is listed, but one the kit does not allow has no render: firing it
    # now is refused, so the agent must not draw it either.
    assert set(ids) == BUILT_INS
    assert set(cached["renders"]) == {ids["banner"], ids["flash"], ids["shake"]}
    assert cached["renders"][ids["flash"]]["colors"]["primary"] == NEON["primary"]
    refused = await alice.api.client.post(
        "/api/effects/trigger", json={"effectId": "confetti"}, headers=alice.auth
    )
    assert refused.json()["code"] == "category_not_allowed"


async def test_another_creators_effects_never_appear(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    bob = await streamer(api, "bob@example.com")
    hers = await make(
        alice,
        "/api/effects",
        {"name": "Alice only", "kind": "flash", "category": "alert", "params": {}},
    )
    her_kit = await make(alice, "/api/brand-kit", {"name": "Hers", "colorPalette": NEON})
    # Naming her kit as his active one gets him nothing of it.
    await bob.api.client.patch(
        "/api/auth/me", json={"settings": {"activeBrandKitId": her_kit["id"]}}, headers=bob.auth
    )
    his = await renders(bob)
    assert hers["id"] not in his["renders"]
    assert {e["slug"] for e in his["effects"]} == BUILT_INS
    assert his["activeBrandKitId"] is None
    assert "Alice only" not in str(his)
    assert NEON["primary"] not in str(his)
    unsigned = await api.client.get("/api/effects/renders")
    assert unsigned.status_code == 401


async def test_an_effect_cannot_take_the_routes_name(api: InProcessApi):
    alice = await streamer(api, "alice@example.com")
    made = await alice.api.client.post(
        "/api/effects",
        json={"name": "Renders", "kind": "flash", "category": "alert", "params": {}},
        headers=alice.auth,
    )
    assert (made.status_code, made.json()["code"]) == (409, "slug_taken")
    assert "reserved" in made.json()["error"]
    flash = await make(
        alice, "/api/effects", {"name": "Mine", "kind": "flash", "category": "alert", "params": {}}
    )
    renamed = await alice.api.client.patch(
        f"/api/effects/{flash['id']}", json={"name": "renders"}, headers=alice.auth
    )
    assert renamed.status_code == 409
    assert "renders" in (await renders(alice))  # the route still answers the cache
