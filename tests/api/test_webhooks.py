"""Webhook rules' calls against the real server (docs/RULES.md "Webhooks"): a signed call
fires, and every other call is refused for its own reason and fires nothing; a hook
fires only its own creator's effect; the secret is shown once and can be rotated."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.accounts import TestCreator, new_creator
from tests.support.hooks import call_hook, signed_headers
from tests.support.live_server import LiveServer, start_server


def webhook_rule(creator: TestCreator, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Hook",
        "trigger": {"type": "webhook"},
        "effectId": "banner",
        "params": {"text": "Raid from {user}!"},
        **fields,
    }
    response = creator.client.post("/api/rules", json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def live_hook(creator: TestCreator) -> dict[str, Any]:
    """A webhook rule of a creator with a live session."""
    rule = webhook_rule(creator)
    session = creator.client.post("/api/sessions/start", json={"platform": "twitch"}).json()
    return {**rule, "sessionId": session["id"]}


def fired(creator: TestCreator, session_id: str) -> list[dict[str, Any]]:
    return creator.client.get(f"/api/sessions/{session_id}/activations").json()["activations"]


def post(server: LiveServer, hook: dict[str, Any], body: bytes, headers: dict[str, str]):
    return httpx.post(f"{server.url}{hook['hookPath']}", content=body, headers=headers)


def test_a_signed_call_fires_the_rules_effect_with_its_fields(
    server: LiveServer, creator: TestCreator, live_hook: dict[str, Any]
):
    response = call_hook(server.url, live_hook["hookPath"], live_hook["secret"], {"user": "ada"})
    assert response.status_code == 202, response.text
    answer = response.json()
    assert (answer["ruleId"], answer["sessionId"]) == (live_hook["id"], live_hook["sessionId"])
    [activation] = fired(creator, live_hook["sessionId"])
    assert activation["id"] == answer["activationId"]
    assert (activation["source"], activation["ruleId"]) == ("rule", live_hook["id"])
    assert activation["render"]["text"] == "Raid from ada!"


def test_the_secret_is_shown_once_and_rotates(
    server: LiveServer, creator: TestCreator, live_hook: dict[str, Any]
):
    assert live_hook["secret"].startswith("sfw_")
    for listed in (
        creator.client.get(f"/api/rules/{live_hook['id']}").json(),
        *creator.client.get("/api/rules").json(),
    ):
        assert "secret" not in listed
        assert live_hook["secret"] not in json.dumps(listed)
    rotated = creator.client.post(f"/api/rules/{live_hook['id']}/rotate-secret")
    assert rotated.status_code == 200
    new = rotated.json()
    assert rotated.headers["Cache-Control"] == "no-store"
    assert (new["hookId"], new["ruleId"]) == (live_hook["hookId"], live_hook["id"])
    assert new["secret"] != live_hook["secret"]
    old = call_hook(server.url, live_hook["hookPath"], live_hook["secret"], {"user": "old"})
    assert (old.status_code, old.json()["code"]) == (401, "signature_mismatch")
    ok = call_hook(server.url, new["hookPath"], new["secret"], {"user": "new"})
    assert ok.status_code == 202, ok.text
    # A timer rule has no secret to rotate.
    timer = creator.client.post(
        "/api/rules",
        json={"name": "T", "trigger": {"type": "timer", "everySeconds": 60}, "effectId": "flash"},
    ).json()
    not_hook = creator.client.post(f"/api/rules/{timer['id']}/rotate-secret")
    assert (not_hook.status_code, not_hook.json()["code"]) == (409, "not_a_webhook")


def test_every_bad_call_is_refused_for_its_reason_and_fires_nothing(
    server: LiveServer, creator: TestCreator, live_hook: dict[str, Any]
):
    secret = live_hook["secret"]
    body = json.dumps({"user": "mallory"}).encode()
    now = int(time.time())
    good = signed_headers(secret, body)
    cases: list[tuple[str, dict[str, str], bytes, int, str]] = [
        ("no signature", {**good, "X-StreamFX-Signature": ""}, body, 401, "signature_missing"),
        (
            "no timestamp",
            {k: v for k, v in good.items() if k != "X-StreamFX-Timestamp"},
            body,
            401,
            "timestamp_missing",
        ),
        (
            "wrong secret",
            signed_headers("sfw_not_the_secret", body),
            body,
            401,
            "signature_mismatch",
        ),
        (
            "body changed after signing",
            good,
            body.replace(b"mallory", b"eve"),
            401,
            "signature_mismatch",
        ),
        (
            "signature not hex",
            {**good, "X-StreamFX-Signature": "sha256=zz"},
            body,
            401,
            "signature_mismatch",
        ),
        (
            "signed 6 minutes ago",
            signed_headers(secret, body, timestamp=now - 360),
            body,
            401,
            "timestamp_stale",
        ),
        (
            "signed 6 minutes ahead",
            signed_headers(secret, body, timestamp=now + 360),
            body,
            401,
            "timestamp_stale",
        ),
        (
            "no delivery id",
            {k: v for k, v in good.items() if k != "X-StreamFX-Delivery"},
            body,
            400,
            "delivery_id_missing",
        ),
    ]
    for name, headers, sent, status, code in cases:
        response = post(server, live_hook, sent, headers)
        assert (response.status_code, response.json().get("code")) == (status, code), name
        assert response.json()["error"] and response.json()["hint"], name
        if status == 401:  # the challenge names the signature, not a user's token
            assert response.headers["WWW-Authenticate"].startswith("StreamFX-Signature"), name
    assert fired(creator, live_hook["sessionId"]) == []

    # Not a JSON object, and an object without the field the placeholder needs.
    for sent, code in ((b"[1, 2]", "validation_error"), (b'{"name": "ada"}', "missing_field")):
        response = post(server, live_hook, sent, signed_headers(secret, sent))
        assert (response.status_code, response.json()["code"]) == (422, code), sent
    missing = response.json()
    assert missing["details"] == [
        {"field": "body.user", "message": "needed by {user} in params.text"}
    ]
    assert "'user'" in missing["error"]
    rule = creator.client.get(f"/api/rules/{live_hook['id']}").json()
    assert rule["lastRefused"]["code"] == "missing_field"
    assert fired(creator, live_hook["sessionId"]) == []


def test_a_delivery_is_fired_once(
    server: LiveServer, creator: TestCreator, live_hook: dict[str, Any]
):
    body = json.dumps({"user": "ada"}).encode()
    headers = signed_headers(live_hook["secret"], body, delivery="press-1")
    assert post(server, live_hook, body, headers).status_code == 202
    again = post(server, live_hook, body, headers)
    assert (again.status_code, again.json()["code"]) == (409, "delivery_repeated")
    # The same id on a new, properly signed call: still the same delivery.
    other = json.dumps({"user": "bob"}).encode()
    reused = post(
        server, live_hook, other, signed_headers(live_hook["secret"], other, delivery="press-1")
    )
    assert reused.status_code == 409
    # The same signed request under a new id (the id is not signed): a replay.
    replayed = post(server, live_hook, body, {**headers, "X-StreamFX-Delivery": "press-2"})
    assert (replayed.status_code, replayed.json()["code"]) == (409, "delivery_repeated")
    assert len(fired(creator, live_hook["sessionId"])) == 1


def test_a_body_over_64_kb_is_refused(server: LiveServer, live_hook: dict[str, Any]):
    body = json.dumps({"user": "x" * (64 * 1024)}).encode()
    response = post(server, live_hook, body, signed_headers(live_hook["secret"], body))
    assert response.status_code == 413


def test_an_unknown_hook_and_a_disabled_rule_get_the_same_404(
    server: LiveServer, creator: TestCreator, live_hook: dict[str, Any]
):
    unknown = {**live_hook, "hookPath": "/api/hooks/sfh_" + "A" * 32}
    first = call_hook(server.url, unknown["hookPath"], live_hook["secret"], {"user": "a"})
    creator.client.put(f"/api/rules/{live_hook['id']}", json={"enabled": False})
    disabled = call_hook(server.url, live_hook["hookPath"], live_hook["secret"], {"user": "b"})
    assert first.status_code == disabled.status_code == 404
    assert first.json() == disabled.json()
    creator.client.put(f"/api/rules/{live_hook['id']}", json={"enabled": True})
    assert (
        call_hook(server.url, live_hook["hookPath"], live_hook["secret"], {"user": "c"}).status_code
        == 202
    )
    creator.client.delete(f"/api/rules/{live_hook['id']}")
    deleted = call_hook(server.url, live_hook["hookPath"], live_hook["secret"], {"user": "d"})
    assert deleted.json() == first.json()


def test_a_hook_fires_only_its_own_creators_effect(
    server: LiveServer, alice_and_bob: tuple[TestCreator, TestCreator]
):
    alice, bob = alice_and_bob
    alices_effect = alice.client.post(
        "/api/effects", json={"name": "Alice wave", "category": "alert", "kind": "flash"}
    ).json()
    # Bob cannot point a rule at Alice's effect: it is not among his.
    refused = bob.client.post(
        "/api/rules",
        json={"name": "Steal", "trigger": {"type": "webhook"}, "effectId": alices_effect["id"]},
    )
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == "effectId"

    alices_hook = webhook_rule(alice, effectId=alices_effect["id"], params={})
    bobs_hook = webhook_rule(bob, params={})
    alices_session = alice.client.post("/api/sessions/start", json={"platform": "twitch"}).json()
    bobs_session = bob.client.post("/api/sessions/start", json={"platform": "kick"}).json()
    # Bob signs with his own secret, at Alice's hook: refused, nothing fires anywhere.
    crossed = call_hook(server.url, alices_hook["hookPath"], bobs_hook["secret"], {"n": 1})
    assert (crossed.status_code, crossed.json()["code"]) == (401, "signature_mismatch")
    assert fired(alice, alices_session["id"]) == fired(bob, bobs_session["id"]) == []
    # Alice's own call fires her effect, in her session; Bob's session gets nothing.
    ok = call_hook(server.url, alices_hook["hookPath"], alices_hook["secret"], {"n": 2})
    assert ok.status_code == 202, ok.text
    [activation] = fired(alice, alices_session["id"])
    assert activation["effectId"] == alices_effect["id"]
    assert fired(bob, bobs_session["id"]) == []
    assert bob.client.get(f"/api/activations/{activation['id']}").status_code == 404


@pytest.fixture
def throttled_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own whose hooks take 3 calls a minute."""
    server = start_server(tmp_path / "data", env={"STREAMFX_HOOK_CALLS_PER_MINUTE": "3"})
    try:
        yield server
    finally:
        server.stop()


def test_calls_of_one_hook_are_rate_limited(throttled_server: LiveServer):
    creator = new_creator(throttled_server)
    hook = webhook_rule(creator, params={})
    other = webhook_rule(creator, params={})
    creator.client.post("/api/sessions/start", json={"platform": "twitch"})
    answers = [
        call_hook(throttled_server.url, hook["hookPath"], hook["secret"], {"n": n})
        for n in range(4)
    ]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    limited = answers[-1]
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Bad calls count too (they cost the server a signature check), per hook only.
    assert (
        call_hook(throttled_server.url, other["hookPath"], other["secret"], {"n": 9}).status_code
        == 202
    )
    assert (
        call_hook(throttled_server.url, hook["hookPath"], "sfw_wrong", {"n": 5}).status_code == 429
    )
