"""The history over HTTP against the real server (docs/EFFECTS.md "History"): a session's
activations page by page, the creator's since a moment, and firing one again."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.support.accounts import TestCreator
from tests.support.live_server import LiveServer
from tests.support.ws import live, next_of


def start(creator: TestCreator, **fields: Any) -> dict[str, Any]:
    response = creator.client.post("/api/sessions/start", json={"platform": "twitch", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def fire(creator: TestCreator, effect: str = "flash", **body: Any) -> dict[str, Any]:
    response = creator.client.post("/api/effects/trigger", json={"effectId": effect, **body})
    assert response.status_code == 201, response.text
    return response.json()


def page(creator: TestCreator, session_id: str, **params: Any) -> dict[str, Any]:
    response = creator.client.get(f"/api/sessions/{session_id}/activations", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def every_page(creator: TestCreator, path: str, **params: Any) -> list[list[str]]:
    """The ids of each page, following `next` until it is null."""
    pages: list[list[str]] = []
    after = None
    while True:
        query = {**params, **({"after": after} if after else {})}
        body = creator.client.get(path, params=query).json()
        pages.append([a["id"] for a in body["activations"]])
        after = body["next"]
        if after is None:
            return pages
        assert len(pages) < 50, "the pages never ended"


def replay(creator: TestCreator, activation_id: str):
    return creator.client.post(f"/api/activations/{activation_id}/replay")


@pytest.fixture
def streaming(creator: TestCreator) -> tuple[TestCreator, dict[str, Any]]:
    return creator, start(creator)


# -- a session's pages -----------------------------------------------------------------


def test_a_sessions_activations_come_page_by_page_oldest_first(streaming):
    creator, session = streaming
    fired = [fire(creator, "flash" if n % 2 else "banner") for n in range(7)]
    path = f"/api/sessions/{session['id']}/activations"
    assert every_page(creator, path, limit=3) == [
        [a["id"] for a in fired[0:3]],
        [a["id"] for a in fired[3:6]],
        [fired[6]["id"]],
    ]
    # Each one as GET /api/activations/{id} has it: the delivery included.
    whole = page(creator, session["id"])
    assert whole["next"] is None
    for listed, made in zip(whole["activations"], fired, strict=True):
        assert listed == creator.client.get(f"/api/activations/{made['id']}").json()
        assert listed["delivery"]["status"] == "pending"
        assert (listed["source"], listed["sessionId"]) == ("api", session["id"])


def test_a_cursor_stays_right_while_new_activations_arrive(streaming):
    creator, session = streaming
    first = [fire(creator)["id"] for _ in range(4)]
    one = page(creator, session["id"], limit=3)
    assert [a["id"] for a in one["activations"]] == first[:3]
    later = [fire(creator, "banner")["id"] for _ in range(3)]
    two = page(creator, session["id"], limit=3, after=one["next"])
    assert [a["id"] for a in two["activations"]] == [first[3], *later[:2]]
    three = page(creator, session["id"], limit=3, after=two["next"])
    assert [a["id"] for a in three["activations"]] == later[2:]
    assert three["next"] is None


def test_newest_first_pages_back_through_the_session(streaming):
    creator, session = streaming
    ids = [fire(creator)["id"] for _ in range(5)]
    path = f"/api/sessions/{session['id']}/activations"
    pages = every_page(creator, path, limit=2, order="newest")
    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[0:1]]


def test_the_limit_is_100_by_default_and_at_most_500(streaming):
    creator, session = streaming
    ids = [fire(creator)["id"] for _ in range(101)]
    first = page(creator, session["id"])
    assert [a["id"] for a in first["activations"]] == ids[:100]
    assert [a["id"] for a in page(creator, session["id"], after=first["next"])["activations"]] == [
        ids[100]
    ]
    assert len(page(creator, session["id"], limit=500)["activations"]) == 101
    for limit, words in ((501, "less than or equal to 500"), (0, "greater than or equal to 1")):
        response = creator.client.get(
            f"/api/sessions/{session['id']}/activations", params={"limit": limit}
        )
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "validation_error"
        assert body["error"] == f"Invalid limit: Input should be {words}."
        assert body["hint"]


def test_a_cursor_the_list_did_not_give_out_is_refused(streaming):
    creator, session = streaming
    fire(creator)
    foreign_cursors = {
        "not base64": "%%%",
        "not an activation": base64.urlsafe_b64encode(b"hello").decode(),
        "no such activation": base64.urlsafe_b64encode(b"act_nothing").decode(),
    }
    # One of this creator's own activations, but in another session.
    creator.client.post("/api/sessions/end", json={"sessionId": session["id"]})
    other_session = start(creator)
    fire(creator)
    fire(creator)
    foreign_cursors["another session's"] = page(creator, other_session["id"], limit=1)["next"]
    for why, cursor in foreign_cursors.items():
        response = creator.client.get(
            f"/api/sessions/{session['id']}/activations", params={"after": cursor}
        )
        assert response.status_code == 422, why
        body = response.json()
        assert body["code"] == "invalid_cursor", why
        assert body["details"] == [{"field": "after", "message": body["error"]}]


# -- another creator's -----------------------------------------------------------------


def test_another_creators_history_is_not_found(streaming, make_creator):
    alice, session = streaming
    fire(alice)
    fire(alice)
    alices_cursor = page(alice, session["id"], limit=1)["next"]
    bob = make_creator()
    bobs_session = start(bob)
    fire(bob)
    fire(bob)

    response = bob.client.get(f"/api/sessions/{session['id']}/activations")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    unknown = bob.client.get("/api/sessions/ss_nothing/activations")
    assert response.json() == unknown.json()
    # Her cursor on his own lists is refused exactly like a made-up one: it names nothing.
    for path in (f"/api/sessions/{bobs_session['id']}/activations", "/api/activations"):
        refused = bob.client.get(path, params={"after": alices_cursor})
        made_up = bob.client.get(
            path, params={"after": base64.urlsafe_b64encode(b"act_madeup").decode()}
        )
        assert refused.status_code == made_up.status_code == 422
        assert refused.json() == made_up.json()
    everything = bob.client.get("/api/activations").json()["activations"]
    assert {a["sessionId"] for a in everything} == {bobs_session["id"]}


# -- the creator's, across sessions ------------------------------------------------------


def test_the_creators_activations_since_a_moment_across_sessions(creator: TestCreator):
    first = start(creator)
    before = [fire(creator)["id"] for _ in range(2)]
    creator.client.post("/api/sessions/end", json={"sessionId": first["id"]})
    second = start(creator)
    after_moment = [fire(creator, "banner") for _ in range(3)]
    since = after_moment[0]["triggeredAt"]

    everything = every_page(creator, "/api/activations", limit=2)
    assert [i for ids in everything for i in ids] == [*before, *(a["id"] for a in after_moment)]
    recent = every_page(creator, "/api/activations", since=since, limit=2)
    assert recent == [[a["id"] for a in after_moment[:2]], [after_moment[2]["id"]]]
    listed = creator.client.get("/api/activations", params={"since": since}).json()
    assert {a["sessionId"] for a in listed["activations"]} == {second["id"]}
    # A later moment than anything: an empty page, and nothing more.
    assert creator.client.get(
        "/api/activations", params={"since": "2999-01-01T00:00:00Z"}
    ).json() == {
        "activations": [],
        "next": None,
    }


def test_since_needs_a_time_zone(creator: TestCreator):
    response = creator.client.get("/api/activations", params={"since": "2025-01-01T10:00:00"})
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "since"


# -- firing one again ------------------------------------------------------------------------


def test_replay_fires_the_same_effect_with_the_same_params(server: LiveServer, streaming):
    creator, session = streaming
    original = fire(creator, "banner", params={"text": "Raid incoming!"}, source="cli")
    with live(server, creator.access_token) as ws:
        response = replay(creator, original["id"])
        assert response.status_code == 201, response.text
        again = response.json()
        assert next_of(ws, "effect.triggered")["activation"]["id"] == again["id"]
    assert again["id"] != original["id"]
    assert (again["source"], again["effectId"], again["sessionId"]) == (
        "replay",
        original["effectId"],
        session["id"],
    )
    assert again["render"]["text"] == "Raid incoming!"
    assert again["render"] == original["render"]
    assert again["delivery"]["status"] == "pending"
    assert again["agent"] is None
    # It is history like any other fire, and the session counted it.
    listed = page(creator, session["id"])["activations"]
    assert [a["id"] for a in listed] == [original["id"], again["id"]]
    metrics = creator.client.get(f"/api/sessions/{session['id']}/status").json()["metrics"]
    assert metrics["byEffect"] == {"banner": 2}


def test_replay_keeps_to_the_cooldown(streaming):
    creator, _ = streaming
    horn = creator.client.post(
        "/api/effects",
        json={"name": "Horn", "category": "sound", "kind": "flash", "cooldownMs": 60000},
    ).json()
    original = fire(creator, horn["id"])
    response = replay(creator, original["id"])
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "cooldown"
    assert 55000 < body["retryAfterMs"] <= 60000
    assert int(response.headers["Retry-After"]) >= 55
    assert len(creator.client.get("/api/activations").json()["activations"]) == 1


def test_replay_keeps_to_the_session_and_the_kit(streaming):
    creator, session = streaming
    original = fire(creator, "flash")
    creator.client.post("/api/sessions/pause", json={"sessionId": session["id"]})
    paused = replay(creator, original["id"])
    assert (paused.status_code, paused.json()["code"]) == (409, "session_paused")

    creator.client.post("/api/sessions/end", json={"sessionId": session["id"]})
    none_live = replay(creator, original["id"])
    assert (none_live.status_code, none_live.json()["code"]) == (409, "no_live_session")

    # In the next session it fires there; with a kit that leaves its category out, not at all.
    kit = creator.client.post(
        "/api/brand-kit", json={"name": "Calm", "allowedCategories": ["text"]}
    ).json()
    later = start(creator, brandKitId=kit["id"])
    refused = replay(creator, original["id"])
    assert (refused.status_code, refused.json()["code"]) == (403, "category_not_allowed")
    creator.client.put(f"/api/brand-kit/{kit['id']}", json={"allowedCategories": ["alert"]})
    fired = replay(creator, original["id"])
    assert fired.status_code == 201, fired.text
    assert fired.json()["sessionId"] == later["id"]
    assert page(creator, later["id"])["activations"][0]["source"] == "replay"


def test_replaying_another_creators_activation_is_not_found(streaming, make_creator):
    alice, session = streaming
    hers = fire(alice, "banner", params={"text": "Alice only"})
    bob = make_creator()
    start(bob)
    response = replay(bob, hers["id"])
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert response.json() == replay(bob, "act_nothing").json()
    assert bob.client.get("/api/activations").json()["activations"] == []
    assert [a["id"] for a in page(alice, session["id"])["activations"]] == [hers["id"]]
