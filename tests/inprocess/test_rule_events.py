"""OBS rules through their seam, `rule_firing.fire_rule_event` (docs/RULES.md "OBS rules"):
what the agent will call with each OBS event it sees. Stored and checked like any rule;
fired only for the creator named, and only the rules whose event (and scene or input,
when set) match."""

from __future__ import annotations

from typing import Any

import pytest

from streamfx_server.rule_firing import fire_rule_event
from tests.support.asgi import InProcessApi

pytestmark = pytest.mark.anyio


async def _rule(api: InProcessApi, auth: dict[str, str], trigger: dict[str, Any], text: str) -> str:
    response = await api.client.post(
        "/api/rules",
        headers=auth,
        json={"name": text, "trigger": trigger, "effectId": "banner", "params": {"text": text}},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _creator_id(api: InProcessApi, auth: dict[str, str]) -> str:
    return str((await api.client.get("/api/auth/me", headers=auth)).json()["id"])


async def test_an_obs_event_fires_the_creators_matching_rules_only(api: InProcessApi):
    alice = await api.sign_up("alice@example.com")
    bob = await api.sign_up("bob@example.com")
    brb = await _rule(
        api, alice, {"type": "obs", "event": "sceneChanged", "scene": "BRB"}, "Be right back"
    )
    any_scene = await _rule(api, alice, {"type": "obs", "event": "sceneChanged"}, "Now: {scene}")
    await _rule(api, alice, {"type": "obs", "event": "streamStarted"}, "Live!")
    bobs = await _rule(api, bob, {"type": "obs", "event": "sceneChanged"}, "Bob sees {scene}")
    for auth in (alice, bob):
        await api.client.post("/api/sessions/start", headers=auth, json={"platform": "twitch"})
    state = api.app.state.streamfx
    alice_id = await _creator_id(api, alice)

    to_brb = await fire_rule_event(
        state, alice_id, {"type": "obs", "event": "sceneChanged", "scene": "BRB"}
    )
    assert [(o.rule_id, o.activation["render"]["text"]) for o in to_brb if o.activation] == [
        (brb, "Be right back"),
        (any_scene, "Now: BRB"),
    ]
    to_game = await fire_rule_event(
        state, alice_id, {"type": "obs", "event": "sceneChanged", "scene": "Game"}
    )
    assert [o.rule_id for o in to_game] == [any_scene]
    assert to_game[0].activation is not None
    assert (to_game[0].activation["source"], to_game[0].activation["ruleId"]) == (
        "rule",
        any_scene,
    )
    # Bob's rule heard none of Alice's events.
    listed = (await api.client.get(f"/api/rules/{bobs}", headers=bob)).json()
    assert (listed["lastFired"], listed["lastRefused"]) == (None, None)


async def test_an_obs_rule_is_checked_when_saved(api: InProcessApi):
    auth = await api.sign_up("checked@example.com")
    for trigger, field in (
        ({"type": "obs", "event": "sceneSwitched"}, "trigger.event"),
        ({"type": "obs", "event": "streamStarted", "scene": "BRB"}, "trigger.scene"),
        ({"type": "obs", "event": "sceneChanged", "input": "Mic"}, "trigger.input"),
    ):
        response = await api.client.post(
            "/api/rules", headers=auth, json={"name": "X", "trigger": trigger, "effectId": "flash"}
        )
        assert response.status_code == 422
        assert [d["field"] for d in response.json()["details"]] == [field]
    # A placeholder the event does not provide (a scene change has no `input`).
    response = await api.client.post(
        "/api/rules",
        headers=auth,
        json={
            "name": "X",
            "trigger": {"type": "obs", "event": "sceneChanged"},
            "effectId": "banner",
            "params": {"text": "{input}"},
        },
    )
    assert response.status_code == 422
    assert "it provides event, scene" in response.json()["details"][0]["message"]
