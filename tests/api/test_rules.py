"""Rules over HTTP against the real server (docs/RULES.md): making them, every refusal of a
bad one, tier limits, isolation between creators, session rules end to end, and a rule
firing under the same rules as a person (cooldowns, categories, pause, tier)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.accounts import TestCreator, set_tier
from tests.support.hooks import call_hook
from tests.support.live_server import LiveServer

TIMER = {"type": "timer", "everySeconds": 600}


def make_rule(creator: TestCreator, **fields: Any) -> dict[str, Any]:
    body = {"name": "Rule", "trigger": TIMER, "effectId": "banner", **fields}
    response = creator.client.post("/api/rules", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def start(creator: TestCreator, **fields: Any) -> dict[str, Any]:
    response = creator.client.post(
        "/api/sessions/start", json={"platform": "twitch", "title": "Late show", **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def act(creator: TestCreator, action: str, session_id: str) -> dict[str, Any]:
    response = creator.client.post(f"/api/sessions/{action}", json={"sessionId": session_id})
    assert response.status_code == 200, response.text
    return response.json()


def activations(creator: TestCreator, session_id: str) -> list[dict[str, Any]]:
    page = creator.client.get(f"/api/sessions/{session_id}/activations").json()
    return page["activations"]


def rule_of(creator: TestCreator, rule_id: str) -> dict[str, Any]:
    response = creator.client.get(f"/api/rules/{rule_id}")
    assert response.status_code == 200, response.text
    return response.json()


# -- the resource ----------------------------------------------------------------------


def test_a_rule_is_made_read_changed_listed_and_deleted(creator: TestCreator):
    rule = make_rule(
        creator,
        name="Hydrate",
        trigger={"type": "timer", "everySeconds": 1800, "offsetSeconds": 600},
        params={"text": "Drink water! ({count})"},
        cooldownMs=5000,
    )
    assert rule["id"].startswith("rl_")
    assert (rule["name"], rule["enabled"], rule["liveOnly"], rule["cooldownMs"]) == (
        "Hydrate",
        True,
        True,
        5000,
    )
    assert rule["trigger"] == {"type": "timer", "everySeconds": 1800, "offsetSeconds": 600}
    assert (rule["effectId"], rule["effectSlug"]) == ("fx_banner", "banner")
    assert rule["params"] == {"text": "Drink water! ({count})"}
    assert (rule["hookId"], rule["secret"], rule["lastFired"], rule["lastRefused"]) == (
        None,
        None,
        None,
        None,
    )
    read = rule_of(creator, rule["id"])
    assert read == {k: v for k, v in rule.items() if k != "secret"}

    changed = creator.client.put(
        f"/api/rules/{rule['id']}", json={"enabled": False, "params": {"text": "Stretch"}}
    ).json()
    assert (changed["enabled"], changed["params"], changed["name"]) == (
        False,
        {"text": "Stretch"},
        "Hydrate",
    )
    assert [r["id"] for r in creator.client.get("/api/rules").json()] == [rule["id"]]

    assert creator.client.delete(f"/api/rules/{rule['id']}").status_code == 204
    assert creator.client.get(f"/api/rules/{rule['id']}").status_code == 404
    assert creator.client.get("/api/rules").json() == []


def test_a_bad_rule_is_refused_with_every_problem_named_and_nothing_saved(
    creator: TestCreator, make_creator
):
    theirs = make_creator().client.post(
        "/api/effects", json={"name": "Not yours", "category": "alert", "kind": "flash"}
    )
    cases = [
        # an unknown effect, and another creator's, both as if it did not exist
        ({"effectId": "no-such-effect"}, {"effectId"}),
        ({"effectId": theirs.json()["id"]}, {"effectId"}),
        ({"trigger": {"type": "cron"}}, {"trigger"}),
        ({"trigger": {"type": "timer", "everySeconds": 1}}, {"trigger.everySeconds"}),
        ({"trigger": {"type": "session", "on": "crashed"}}, {"trigger.on"}),
        (
            {"trigger": {"type": "obs", "event": "streamStarted", "scene": "Game"}},
            {"trigger.scene"},
        ),
        # a placeholder the trigger does not provide, and params the effect refuses
        ({"params": {"text": "Hi {user}"}}, {"params.text"}),
        ({"effectId": "flash", "params": {"opacity": 7}}, {"params.opacity"}),
        (
            {
                "effectId": "flash",
                "trigger": {"type": "session", "on": "started"},
                "params": {"opacity": "{title}"},
            },
            {"params.opacity"},
        ),
        # several at once: each is listed
        (
            {"effectId": "nope", "params": {"text": "{user} and {viewer}", "color": "{x}"}},
            {"effectId", "params.text", "params.color"},
        ),
    ]
    for change, fields in cases:
        response = creator.client.post(
            "/api/rules", json={"name": "Bad", "trigger": TIMER, "effectId": "banner", **change}
        )
        body = response.json()
        assert response.status_code == 422, (change, body)
        assert body["code"] == "validation_error"
        assert {d["field"] for d in body["details"]} == fields, (change, body)
        assert body["error"].startswith("Invalid ") and body["hint"]
    unknown = creator.client.post(
        "/api/rules",
        json={"name": "Bad", "trigger": TIMER, "effectId": "banner", "params": {"text": "{user}"}},
    ).json()
    assert "count, liveSeconds, sessionId" in unknown["details"][0]["message"]
    assert creator.client.get("/api/rules").json() == []


def test_the_trigger_type_of_a_rule_cannot_change(creator: TestCreator):
    rule = make_rule(creator)
    response = creator.client.put(f"/api/rules/{rule['id']}", json={"trigger": {"type": "webhook"}})
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "trigger.type"
    assert rule_of(creator, rule["id"])["trigger"] == rule["trigger"]


@pytest.mark.parametrize(("tier", "limit"), [("free", 3), ("creator", 25)])
def test_each_tier_has_its_number_of_rules(make_creator, tier: str, limit: int):
    creator = make_creator(tier)
    for n in range(limit):
        make_rule(creator, name=f"Rule {n}")
    refused = creator.client.post(
        "/api/rules", json={"name": "One more", "trigger": TIMER, "effectId": "banner"}
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "tier_limit"
    assert refused.json()["error"] == (
        f"The {tier} tier allows {limit} rules, and you already have {limit}."
    )
    assert len(creator.client.get("/api/rules").json()) == limit


def test_an_effect_a_rule_fires_cannot_be_deleted_from_under_it(creator: TestCreator):
    effect = creator.client.post(
        "/api/effects", json={"name": "Wave", "category": "alert", "kind": "flash"}
    ).json()
    rule = make_rule(creator, name="Wave often", effectId=effect["slug"])
    assert rule["effectId"] == effect["id"]
    refused = creator.client.delete(f"/api/effects/{effect['id']}")
    assert refused.status_code == 409
    assert "Wave often" in refused.json()["error"]
    assert creator.client.get(f"/api/effects/{effect['id']}").status_code == 200
    creator.client.delete(f"/api/rules/{rule['id']}")
    assert creator.client.delete(f"/api/effects/{effect['id']}").status_code == 204


def test_another_creators_rule_is_not_found(alice_and_bob: tuple[TestCreator, TestCreator]):
    alice, bob = alice_and_bob
    rule = make_rule(alice, name="Alice's timer")
    for method, url, body in [
        ("GET", f"/api/rules/{rule['id']}", None),
        ("PUT", f"/api/rules/{rule['id']}", {"enabled": False}),
        ("DELETE", f"/api/rules/{rule['id']}", None),
        ("POST", f"/api/rules/{rule['id']}/rotate-secret", None),
    ]:
        response = bob.client.request(method, url, json=body)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), url
    assert bob.client.get("/api/rules").json() == []
    assert rule_of(alice, rule["id"]) == {k: v for k, v in rule.items() if k != "secret"}


# -- session rules, end to end -----------------------------------------------------------


def test_session_rules_fire_on_each_change_as_activations_of_their_own(make_creator):
    creator = make_creator("creator")  # four rules: more than the free tier's three
    rules = {
        on: make_rule(
            creator,
            name=f"On {on}",
            trigger={"type": "session", "on": on},
            params={"text": f"{on}: {{title}} on {{platform}} ({{event}})"},
        )
        for on in ("started", "paused", "resumed", "ended")
    }
    session = start(creator)
    sid = session["id"]
    act(creator, "pause", sid)
    act(creator, "resume", sid)
    act(creator, "end", sid)

    fired = activations(creator, sid)
    assert [a["render"]["text"] for a in fired] == [
        "started: Late show on twitch (started)",
        "paused: Late show on twitch (paused)",
        "resumed: Late show on twitch (resumed)",
        "ended: Late show on twitch (ended)",
    ]
    assert [a["ruleId"] for a in fired] == [rules[on]["id"] for on in rules]
    assert {a["source"] for a in fired} == {"rule"}
    # Counted in the session's metrics like any activation, the ended one too.
    status = creator.client.get(f"/api/sessions/{sid}/status").json()
    assert (status["status"], status["metrics"]["effectsTriggered"]) == ("ended", 4)
    for on, rule in rules.items():
        last = rule_of(creator, rule["id"])["lastFired"]
        assert last is not None, on
        assert last["activationId"] in {a["id"] for a in fired}
        assert last["delivery"]["status"] in ("pending", "expired")


def test_a_disabled_rule_and_another_creators_session_fire_nothing(
    alice_and_bob: tuple[TestCreator, TestCreator],
):
    alice, bob = alice_and_bob
    make_rule(alice, name="Alice starts", trigger={"type": "session", "on": "started"})
    off = make_rule(
        bob, name="Bob off", trigger={"type": "session", "on": "started"}, enabled=False
    )
    bobs = start(bob)
    assert activations(bob, bobs["id"]) == []
    assert rule_of(bob, off["id"])["lastFired"] is None


# -- under the same rules as a person ----------------------------------------------------


def test_a_rule_waits_out_the_effects_cooldown_like_a_person(creator: TestCreator):
    effect = creator.client.post(
        "/api/effects",
        json={"name": "Airhorn", "category": "sound", "kind": "flash", "cooldownMs": 600_000},
    ).json()
    rule = make_rule(
        creator,
        name="Horn on resume",
        trigger={"type": "session", "on": "resumed"},
        effectId=effect["id"],
    )
    session = start(creator)
    by_hand = creator.client.post("/api/effects/trigger", json={"effectId": effect["id"]})
    assert by_hand.status_code == 201
    act(creator, "pause", session["id"])
    act(creator, "resume", session["id"])
    assert [a["source"] for a in activations(creator, session["id"])] == ["api"]
    refused = rule_of(creator, rule["id"])["lastRefused"]
    assert refused["code"] == "cooldown"
    assert "Airhorn is cooling down" in refused["reason"]


def test_a_rule_keeps_to_the_brand_kits_categories(creator: TestCreator):
    kit = creator.client.post(
        "/api/brand-kit", json={"name": "Calm", "allowedCategories": ["ambient"]}
    ).json()
    rule = make_rule(creator, name="Loud start", trigger={"type": "session", "on": "started"})
    session = start(creator, brandKitId=kit["id"])
    assert activations(creator, session["id"]) == []
    refused = rule_of(creator, rule["id"])["lastRefused"]
    assert refused["code"] == "category_not_allowed"


def test_a_rule_beyond_a_lowered_tiers_limit_does_not_fire(server: LiveServer, make_creator):
    creator = make_creator("creator")
    made = [
        make_rule(creator, name=f"Start {n}", trigger={"type": "session", "on": "started"})
        for n in range(4)
    ]
    set_tier(server, creator.email, "free")
    session = start(creator)
    fired = activations(creator, session["id"])
    assert [a["ruleId"] for a in fired] == [r["id"] for r in made[:3]]
    last = rule_of(creator, made[3]["id"])
    assert last["lastFired"] is None
    assert last["lastRefused"]["code"] == "tier_limit"
    assert "free tier allows 3 rules" in last["lastRefused"]["reason"]


def test_live_only_rules_wait_for_a_live_session_and_say_why(
    server: LiveServer, creator: TestCreator
):
    live_only = make_rule(creator, name="Live only", trigger={"type": "webhook"})
    paused_too = make_rule(creator, name="Also paused", trigger={"type": "webhook"}, liveOnly=False)
    # No session at all: neither fires, and each says why.
    # (Each call's body differs: the same body signed in the same second is one request.)
    for rule in (live_only, paused_too):
        refused = call_hook(server.url, rule["hookPath"], rule["secret"], {"try": 1})
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "no_live_session"
        assert rule_of(creator, rule["id"])["lastRefused"]["code"] == "no_live_session"
    # Paused: the live-only rule is refused as a person's trigger is; the other fires.
    session = start(creator)
    act(creator, "pause", session["id"])
    refused = call_hook(server.url, live_only["hookPath"], live_only["secret"])
    assert (refused.status_code, refused.json()["code"]) == (409, "session_paused")
    assert rule_of(creator, live_only["id"])["lastRefused"]["code"] == "session_paused"
    fired = call_hook(server.url, paused_too["hookPath"], paused_too["secret"])
    assert fired.status_code == 202, fired.text
    assert [a["ruleId"] for a in activations(creator, session["id"])] == [paused_too["id"]]
    # A person still cannot fire into the paused session.
    by_hand = creator.client.post("/api/effects/trigger", json={"effectId": "banner"})
    assert by_hand.json()["code"] == "session_paused"


def test_a_rules_own_cooldown_holds_between_its_firings(server: LiveServer, creator: TestCreator):
    rule = make_rule(creator, name="Hype", trigger={"type": "webhook"}, cooldownMs=600_000)
    start(creator)
    first = call_hook(server.url, rule["hookPath"], rule["secret"], {"n": 1})
    assert first.status_code == 202, first.text
    second = call_hook(server.url, rule["hookPath"], rule["secret"], {"n": 2})
    assert second.status_code == 429
    assert second.json()["code"] == "rule_cooldown"
    assert int(second.headers["Retry-After"]) > 500
    after = rule_of(creator, rule["id"])
    assert after["lastFired"]["activationId"] == first.json()["activationId"]
    assert after["lastRefused"]["code"] == "rule_cooldown"
    # A person may still fire the same effect: the cooldown is the rule's own.
    assert (
        creator.client.post("/api/effects/trigger", json={"effectId": "banner"}).status_code == 201
    )
