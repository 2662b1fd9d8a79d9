"""Firing effects over HTTP: activations, renders, refusals, cooldowns, session metrics."""

from __future__ import annotations

import asyncio
import math
import time

import httpx
import pytest

from tests.support.accounts import TestCreator

DEFAULT_COLORS = {
    "primary": "#7B2FF7",
    "secondary": "#F107A3",
    "accent": "#FFD166",
    "background": "#0B0B0F",
    "text": "#FFFFFF",
}
NEON = {
    "primary": "#FF0066",
    "secondary": "#00FFCC",
    "accent": "#FFEE00",
    "background": "#000000",
    "text": "#F0F0F0",
}


def start(creator: TestCreator, **fields) -> dict:
    response = creator.client.post("/api/sessions/start", json={"platform": "twitch", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def kit(creator: TestCreator, **fields) -> dict:
    body = {"name": "Neon", "colorPalette": NEON, **fields}
    response = creator.client.post("/api/brand-kit", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def fire(creator: TestCreator, effect: str, session_id: str | None = None, **extra):
    body = {"effectId": effect, **extra}
    if session_id is not None:
        body["sessionId"] = session_id
    return creator.client.post("/api/effects/trigger", json=body)


def fired(creator: TestCreator, effect: str, session_id: str | None = None, **extra) -> dict:
    response = fire(creator, effect, session_id, **extra)
    assert response.status_code == 201, response.text
    return response.json()


def test_firing_returns_the_activation_with_its_render(creator: TestCreator):
    session = start(creator)
    activation = fired(creator, "banner", session["id"])
    assert activation["id"].startswith("act_")
    assert activation["effectId"] == "fx_banner"
    assert activation["sessionId"] == session["id"]
    assert activation["source"] == "api"
    assert activation["triggeredAt"].endswith("Z")
    # Without any kit: exactly the example in docs/RENDER.md.
    assert activation["render"] == {
        "kind": "text",
        "effect": {"id": "fx_banner", "slug": "banner", "name": "Banner", "category": "text"},
        "durationMs": 4000,
        "colors": DEFAULT_COLORS,
        "font": {"heading": "Inter", "body": "Inter", "size": 48},
        "motionIntensity": 3,
        "lane": "lower-third",
        "queueMode": "queue",
        "maxDelayMs": 5000,
        "text": "Thanks for the follow!",
        "color": "#FFFFFF",
        "background": "#7B2FF7",
    }


@pytest.mark.parametrize("source", ["cli", "tui", "api", "ws", "hotkey"])
def test_the_source_is_recorded(make_creator, source: str):
    creator = make_creator()
    session = start(creator)
    assert fired(creator, "flash", session["id"], source=source)["source"] == source


def test_an_unknown_source_is_refused(creator: TestCreator):
    session = start(creator)
    response = fire(creator, "flash", session["id"], source="telepathy")
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "source"


def test_without_a_session_id_the_live_session_is_used(creator: TestCreator):
    none = fire(creator, "flash")
    assert none.status_code == 409
    assert none.json()["code"] == "no_live_session"
    assert "no live session" in none.json()["error"]
    session = start(creator)
    assert fired(creator, "flash")["sessionId"] == session["id"]


def test_the_sessions_brand_kit_shapes_the_render(creator: TestCreator):
    neon = kit(
        creator,
        typography={"headingFont": "Bebas Neue", "bodyFont": "Roboto", "baseSize": 72},
        motionIntensity=5,
    )
    session = start(creator, brandKitId=neon["id"])
    render = fired(creator, "banner", session["id"])["render"]
    assert render["colors"] == NEON
    assert render["font"] == {"heading": "Bebas Neue", "body": "Roboto", "size": 72}
    assert render["motionIntensity"] == 5
    assert (render["color"], render["background"]) == (NEON["text"], NEON["primary"])
    flash = fired(creator, "flash", session["id"])["render"]
    assert (flash["color"], flash["opacity"]) == (NEON["primary"], 0.85)


def test_without_a_session_kit_the_active_kit_applies(creator: TestCreator):
    neon = kit(creator)
    session = start(creator)
    assert fired(creator, "flash", session["id"])["render"]["colors"] == DEFAULT_COLORS
    creator.client.patch("/api/auth/me", json={"settings": {"activeBrandKitId": neon["id"]}})
    assert fired(creator, "flash", session["id"])["render"]["colors"] == NEON


def test_someone_elses_kit_id_in_settings_is_ignored(creator: TestCreator, make_creator):
    theirs = kit(make_creator())
    creator.client.patch("/api/auth/me", json={"settings": {"activeBrandKitId": theirs["id"]}})
    session = start(creator)
    assert fired(creator, "flash", session["id"])["render"]["colors"] == DEFAULT_COLORS


def test_changing_the_kit_changes_the_next_render(creator: TestCreator):
    neon = kit(creator)
    session = start(creator, brandKitId=neon["id"])
    creator.client.put(
        f"/api/brand-kit/{neon['id']}", json={"colorPalette": {"primary": "#123456"}}
    )
    assert fired(creator, "flash", session["id"])["render"]["color"] == "#123456"


def test_deleting_the_sessions_kit_falls_back_to_the_defaults(creator: TestCreator):
    neon = kit(creator)
    session = start(creator, brandKitId=neon["id"])
    creator.client.delete(f"/api/brand-kit/{neon['id']}")
    status = creator.client.get(f"/api/sessions/{session['id']}/status").json()
    assert status["brandKitId"] is None
    assert fired(creator, "flash", session["id"])["render"]["colors"] == DEFAULT_COLORS


@pytest.mark.parametrize(("intensity", "amplitude"), [(1, 4.0), (3, 12.0), (5, 20.0)])
def test_shake_amplitude_follows_motion_intensity(make_creator, intensity: int, amplitude: float):
    creator = make_creator()
    calm = kit(creator, motionIntensity=intensity)
    session = start(creator, brandKitId=calm["id"])
    render = fired(creator, "shake", session["id"])["render"]
    assert render["amplitude"] == amplitude
    assert render["frequencyHz"] == 12.0
    assert render["durationMs"] == 600


def test_trigger_params_override_the_effects_own(creator: TestCreator):
    neon = kit(creator)
    session = start(creator, brandKitId=neon["id"])
    render = fired(
        creator,
        "banner",
        session["id"],
        params={"text": "Raid incoming!", "color": "accent", "background": "#101010"},
    )["render"]
    assert render["text"] == "Raid incoming!"
    assert render["color"] == NEON["accent"]
    assert render["background"] == "#101010"
    sparkles = fired(
        creator, "sparkles", session["id"], params={"particleCount": 10, "durationMs": 1200}
    )["render"]
    assert (sparkles["animation"], sparkles["particleCount"], sparkles["durationMs"]) == (
        "sparkles",
        10,
        1200,
    )


def test_brb_switches_to_the_brb_scene_and_comes_back(creator: TestCreator):
    session = start(creator)
    render = fired(creator, "brb", session["id"])["render"]
    assert (render["scene"], render["returnAfterMs"]) == ("BRB", render["durationMs"])
    assert render["returnAfterMs"] > 0
    creator.client.post(
        "/api/effects",
        json={
            "name": "Go BRB fast",
            "category": "transition",
            "kind": "scene",
            "params": {"scene": "BRB"},
            "durationMs": 1500,
        },
    )
    quick = fired(creator, "go-brb-fast", session["id"])["render"]
    assert quick["returnAfterMs"] == 1500
    stay = fired(creator, "go-brb-fast", session["id"], params={"returnAfterMs": 0})["render"]
    assert stay["returnAfterMs"] == 0


@pytest.mark.parametrize(
    ("effect", "params", "field"),
    [
        ("banner", {"text": ""}, "params.text"),
        ("banner", {"color": "blurple"}, "params.color"),
        ("flash", {"opacity": 1.5}, "params.opacity"),
        ("confetti", {"particleCount": "lots"}, "params.particleCount"),
        ("confetti", {"animation": "fireworks"}, "params.animation"),
        ("shake", {"durationMs": -1}, "params.durationMs"),
        ("brb", {"scene": ""}, "params.scene"),
        ("flash", {"volume": 1}, "params.volume"),
    ],
)
def test_bad_params_are_refused_with_details(
    creator: TestCreator, effect: str, params: dict, field: str
):
    session = start(creator)
    response = fire(creator, effect, session["id"], params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_params"
    assert field in [d["field"] for d in body["details"]]
    status = creator.client.get(f"/api/sessions/{session['id']}/status").json()
    assert status["metrics"]["effectsTriggered"] == 0


def test_unknown_effect_is_not_found(creator: TestCreator):
    session = start(creator)
    response = fire(creator, "airhorn", session["id"])
    assert response.status_code == 404
    assert response.json()["error"] == 'No effect "airhorn".'


def test_someone_elses_effect_and_session_are_not_found(creator: TestCreator, make_creator):
    other = make_creator()
    theirs = other.client.post(
        "/api/effects", json={"name": "Their thing", "category": "alert", "kind": "flash"}
    ).json()
    their_session = start(other)
    mine = start(creator)
    assert fire(creator, theirs["id"], mine["id"]).status_code == 404
    assert fire(creator, "their-thing", mine["id"]).status_code == 404
    response = fire(creator, "flash", their_session["id"])
    assert response.status_code == 404
    assert response.json()["error"] == "No session with that id."
    status = other.client.get(f"/api/sessions/{their_session['id']}/status").json()
    assert status["metrics"]["effectsTriggered"] == 0


def test_paused_and_ended_sessions_refuse_effects(creator: TestCreator):
    session = start(creator)
    creator.client.post("/api/sessions/pause", json={"sessionId": session["id"]})
    paused = fire(creator, "flash", session["id"])
    assert paused.status_code == 409
    assert paused.json()["code"] == "session_paused"
    assert paused.json()["error"] == "This session is paused, so effects cannot be fired in it."
    creator.client.post("/api/sessions/end", json={"sessionId": session["id"]})
    ended = fire(creator, "flash", session["id"])
    assert ended.status_code == 409
    assert ended.json()["code"] == "session_ended"


def test_the_brand_kit_can_forbid_a_category(creator: TestCreator):
    strict = kit(creator, allowedCategories=["alert", "text"])
    session = start(creator, brandKitId=strict["id"])
    response = fire(creator, "confetti", session["id"])
    assert response.status_code == 403
    body = response.json()
    assert (body["code"], body["category"]) == ("category_not_allowed", "celebration")
    assert body["error"] == "The brand kit 'Neon' does not allow celebration effects."
    assert fired(creator, "flash", session["id"])["render"]["colors"] == NEON


def test_cooldown_refuses_with_retry_after_then_lets_it_fire(creator: TestCreator):
    session = start(creator)
    creator.client.post(
        "/api/effects",
        json={"name": "Horn", "category": "sound", "kind": "flash", "cooldownMs": 1500},
    )
    first = fired(creator, "horn", session["id"])
    refused = fire(creator, "horn", session["id"])
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "cooldown"
    assert 0 < body["retryAfterMs"] <= 1500
    assert refused.headers["retry-after"] == str(math.ceil(body["retryAfterMs"] / 1000))
    assert "Horn is cooling down" in body["error"]
    time.sleep(body["retryAfterMs"] / 1000 + 0.05)
    assert fired(creator, "horn", session["id"])["id"] != first["id"]


def test_cooldown_spans_sessions(creator: TestCreator):
    first = start(creator)
    fired(creator, "confetti", first["id"])
    creator.client.post("/api/sessions/end", json={"sessionId": first["id"]})
    second = start(creator)
    assert fire(creator, "confetti", second["id"]).status_code == 429


def test_cooldowns_are_per_creator(creator: TestCreator, make_creator):
    other = make_creator()
    fired(creator, "confetti", start(creator)["id"])
    fired(other, "confetti", start(other)["id"])


def test_an_effect_without_cooldown_fires_back_to_back(creator: TestCreator):
    session = start(creator)
    ids = {fired(creator, "flash", session["id"])["id"] for _ in range(10)}
    assert len(ids) == 10


def test_metrics_count_every_activation(creator: TestCreator):
    session = start(creator)
    fired(creator, "flash", session["id"])
    fired(creator, "flash", session["id"])
    fired(creator, "shake", session["id"])
    last = fired(creator, "banner", session["id"], source="hotkey")
    fire(creator, "shake", session["id"])  # cooling down: not counted
    metrics = creator.client.get(f"/api/sessions/{session['id']}/status").json()["metrics"]
    assert metrics == {
        "effectsTriggered": 4,
        "byEffect": {"flash": 2, "shake": 1, "banner": 1},
        "byCategory": {"alert": 3, "text": 1},
        "lastTriggeredAt": last["triggeredAt"],
    }
    listed = creator.client.get("/api/sessions").json()[0]
    assert listed["metrics"] == metrics


def test_triggers_and_other_writes_at_once_all_complete(creator: TestCreator):
    """160 writes at once, half of them triggers (grouped on the event loop), half brand
    kit changes (in worker threads, more than the server has): all are answered, and
    every trigger is counted."""
    session = start(creator)
    kit_id = kit(creator)["id"]

    async def write(client: httpx.AsyncClient, n: int) -> int:
        if n % 2:
            body = {"effectId": "flash", "sessionId": session["id"]}
            return (await client.post("/api/effects/trigger", json=body)).status_code
        body = {"motionIntensity": n % 5 + 1}
        return (await client.put(f"/api/brand-kit/{kit_id}", json=body)).status_code

    async def main() -> list[int]:
        limits = httpx.Limits(max_connections=None)
        async with httpx.AsyncClient(
            base_url=str(creator.client.base_url), headers=creator.auth, limits=limits, timeout=30
        ) as client:
            return await asyncio.gather(*(write(client, n) for n in range(160)))

    statuses = asyncio.run(main())
    assert statuses.count(201) == 80
    assert statuses.count(200) == 80
    metrics = creator.client.get(f"/api/sessions/{session['id']}/status").json()["metrics"]
    assert metrics["effectsTriggered"] == 80
