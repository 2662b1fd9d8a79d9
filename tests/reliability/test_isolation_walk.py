"""A second creator probes every id-bearing route of the first, found by walking /openapi.json.

tests/api/test_isolation.py checks a hand-written list of attempts; this walk is built
from the API's own description, so a route added later is probed without anyone adding
it here. Every operation with a path parameter, and every JSON body field that names
another resource (`…Id`), is tried by Bob with Alice's ids: each answers 404, exactly as
for an id that does not exist, and afterwards Alice still has all of it, unchanged.
Meanwhile Bob (signed in, and through his overlay key) receives none of Alice's events.
"""

from __future__ import annotations

from typing import Any

from tests.support.accounts import TestCreator
from tests.support.live_server import LiveServer
from tests.support.two_creators import ALICES_PRIMARY, alices_things
from tests.support.ws import live, next_of

from .helpers import assert_nothing_queued, openapi_spec, operations

# Path parameter or body field -> which of Alice's resources it names.
RESOURCE_OF = {
    "kit_id": "kit",
    "brandKitId": "kit",
    "session_id": "session",
    "sessionId": "session",
    "effect_id": "effect",
    "effectId": "effect",
    "sha256": "asset",
    "activation_id": "activation",
    "rule_id": "rule",
}
# Path parameters of routes with no sign-in, where the id itself is the credential: a
# webhook call (`POST /api/hooks/{hook_id}`, docs/RULES.md) is signed with its hook's
# secret, not made as a creator. tests/api/test_webhooks.py checks that Bob's signed
# calls at Alice's hook are refused and fire nothing of hers.
PUBLIC = {"hook_id"}
# Routes where an unknown `effectId` is a field error, not a missing resource: a rule
# naming an effect it cannot see is refused as one naming an effect that does not exist.
FIELD_ERRORS = ("/api/rules", "/api/rules/{rule_id}")
# `…Id` body fields that name no resource of a creator (an agent names itself).
NOT_RESOURCES = {"agentId"}
# Valid values for other body fields, so the id is what gets judged.
FILLERS: dict[str, Any] = {
    "platform": "twitch",
    "name": "Bob's now",
    "status": "shown",
    "trigger": {"type": "webhook"},
    "key": 5,
}


def _ids(things: dict[str, dict[str, Any]], activation_id: str, rule_id: str) -> dict[str, str]:
    return {
        "rule": rule_id,
        "kit": things["kit"]["id"],
        "session": things["session"]["id"],
        "effect": things["effect"]["id"],
        "asset": things["upload"]["asset"]["sha256"],
        "activation": activation_id,
    }


def _body_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema and "$ref" in schema:
        schema = openapi_spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _probes(alice_ids: dict[str, str], bobs_ids: dict[str, str]) -> list[tuple[str, str, Any]]:
    """(method, url, json body or None) for every way an operation can name Alice's things."""
    probes: list[tuple[str, str, Any]] = []
    unknown: list[str] = []
    for method, template in operations():
        operation = openapi_spec()["paths"][template][method.lower()]
        path_params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        if PUBLIC.intersection(path_params):
            continue
        schema = _body_schema(operation)
        properties = (schema or {}).get("properties", {})
        id_fields = [
            name for name in properties if name.endswith("Id") and name not in NOT_RESOURCES
        ]
        unknown += [
            f"{method} {template}: {n}" for n in path_params + id_fields if n not in RESOURCE_OF
        ]
        if not path_params and not id_fields:
            continue
        body = None
        if schema is not None:
            body = {n: FILLERS[n] for n in properties if n in FILLERS}
            # Bob's own ids everywhere, so that only the one of Alice's is wrong.
            body.update({n: bobs_ids[RESOURCE_OF[n]] for n in id_fields if n in RESOURCE_OF})
        if path_params:
            url = template
            for name in path_params:
                url = url.replace("{" + name + "}", alice_ids[RESOURCE_OF[name]])
            probes.append((method, url, body))
        for field in id_fields:
            if field in RESOURCE_OF:
                url = template
                for name in path_params:
                    url = url.replace("{" + name + "}", bobs_ids[RESOURCE_OF[name]])
                probes.append((method, url, {**(body or {}), field: alice_ids[RESOURCE_OF[field]]}))
    assert unknown == [], (
        f"new id-bearing routes: say which resource they name in RESOURCE_OF: {unknown}"
    )
    return probes


def test_bob_gets_404_for_every_route_that_namesalices_things(
    server: LiveServer, alice_and_bob: tuple[TestCreator, TestCreator]
):
    alice, bob = alice_and_bob
    alice_key = alice.client.post("/api/overlay/key").json()["key"]
    bob_key = bob.client.post("/api/overlay/key").json()["key"]
    with (
        live(server, alice.access_token) as alices_socket,
        live(server, alice_key) as alices_overlay,
        live(server, bob.access_token) as bobs_socket,
        live(server, bob_key) as bobs_overlay,
    ):
        things = alices_things(alice)
        # Alice fires once while Bob listens: her activation is one more thing to probe,
        # and its events must not reach him.
        alices_activation = alice.client.post(
            "/api/effects/trigger", json={"effectId": "flash"}
        ).json()
        alices_rule = alice.client.post(
            "/api/rules",
            json={
                "name": "Alice's timer",
                "trigger": {"type": "timer", "everySeconds": 600},
                "effectId": things["effect"]["id"],
            },
        ).json()
        alice_ids = _ids(things, alices_activation["id"], alices_rule["id"])
        bobs_kit = bob.client.post("/api/brand-kit", json={"name": "Bob's look"}).json()
        # Bob's own live session: starting one with Alice's kit must be refused for the
        # kit, not because he already has one live.
        bobs_session = bob.client.post("/api/sessions/start", json={"platform": "kick"}).json()
        bobs_rule = bob.client.post(
            "/api/rules",
            json={"name": "Bob's", "trigger": {"type": "webhook"}, "effectId": "flash"},
        ).json()
        bobs_ids = {
            "rule": bobs_rule["id"],
            "kit": bobs_kit["id"],
            "session": bobs_session["id"],
            "effect": "flash",
            "asset": "0" * 64,
            "activation": "act_0",
        }
        probes = _probes(alice_ids, bobs_ids)
        assert len(probes) >= 10, probes  # the walk found the routes
        # Among them the session report (docs/REPORTS.md): a report of her stream is hers.
        assert ("GET", f"/api/sessions/{alice_ids['session']}/report", None) in probes

        answers = []
        for method, url, body in probes:
            response = bob.client.request(method, url, json=body)
            answer = response.json() if response.content else {}
            expected: tuple[Any, ...] = (404, "not_found")
            field_errors = {t.replace("{rule_id}", bobs_ids["rule"]) for t in FIELD_ERRORS}
            if url in field_errors and body and body.get("effectId") == alice_ids["effect"]:
                expected = (422, "validation_error", ["effectId"])
                got = [d["field"] for d in answer.get("details", [])]
                answers.append(
                    (method, url, body, expected, (response.status_code, answer.get("code"), got))
                )
                continue
            answers.append(
                (method, url, body, expected, (response.status_code, answer.get("code")))
            )
        wrong = [a for a in answers if a[3] != a[4]]
        assert wrong == [], wrong
        # Among them his rules naming her effect: refused as an effect nobody has.
        assert ("POST", "/api/rules") in {(a[0], a[1]) for a in answers}

        # A journal replay (docs/AGENT.md) into her session is not found either, and
        # the renders an agent caches hold only his own and the built-in effects.
        replay = bob.client.post(
            "/api/effects/trigger",
            json={
                "effectId": "flash",
                "sessionId": alice_ids["session"],
                "idempotencyKey": "bob-replay",
                "occurredAt": alices_activation["triggeredAt"],
                "delivery": {"status": "shown"},
            },
        )
        assert (replay.status_code, replay.json()["code"]) == (404, "not_found")
        bobs_renders = bob.client.get("/api/effects/renders").json()
        assert alice_ids["effect"] not in bobs_renders["renders"]
        assert alice_ids["effect"] not in {e["id"] for e in bobs_renders["effects"]}

        # Naming Alice's kit as his active one gets Bob nothing of it: his renders
        # follow the defaults, not her palette.
        bob.client.patch("/api/auth/me", json={"settings": {"activeBrandKitId": alice_ids["kit"]}})
        render = bob.client.post("/api/effects/trigger", json={"effectId": "flash"}).json()[
            "render"
        ]
        assert ALICES_PRIMARY not in str(render)

        # Alice, meanwhile, makes every kind of event; the last one is her pause.
        alice.client.put(f"/api/brand-kit/{alice_ids['kit']}", json={"name": "Alice again"})
        alice.client.post("/api/overlay/clear")
        alice.client.post("/api/sessions/pause", json={"sessionId": alice_ids["session"]})
        for ws in (alices_socket, alices_overlay):
            while next_of(ws, "session.updated")["session"]["status"] != "paused":
                pass
        # Bob's connections got none of it: his own trigger's events, then a pong.
        for ws in (bobs_socket, bobs_overlay):
            triggered = next_of(ws, "effect.triggered")
            assert triggered["activation"]["sessionId"] == bobs_session["id"]
            assert next_of(ws, "session.updated")["session"]["id"] == bobs_session["id"]
            assert_nothing_queued(ws)

    # Alice still has everything, unchanged by Bob's attempts.
    assert alice.client.get(f"/api/effects/{alice_ids['effect']}").json() == things["effect"]
    assert alice.client.get(f"/api/assets/{alice_ids['asset']}").status_code == 200
    kit = alice.client.get(f"/api/brand-kit/{alice_ids['kit']}").json()
    assert (kit["name"], kit["colorPalette"]["primary"]) == ("Alice again", ALICES_PRIMARY)
    status = alice.client.get(f"/api/sessions/{alice_ids['session']}/status").json()
    assert status["status"] == "paused"
    assert status["metrics"]["effectsTriggered"] == 1
    rule = alice.client.get(f"/api/rules/{alice_ids['rule']}").json()
    assert (rule["name"], rule["enabled"]) == ("Alice's timer", True)
    stored = alice.client.get(f"/api/activations/{alice_ids['activation']}").json()
    assert stored["delivery"]["status"] == "pending"  # Bob's report did not land
