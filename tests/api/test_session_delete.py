"""`DELETE /api/sessions/{id}` against the real server: an ended session goes with its
activations; a live or paused one, or another creator's, is refused and kept."""

from __future__ import annotations

from tests.support.accounts import TestCreator


def _session_with_fires(creator: TestCreator, fires: int) -> tuple[dict, list[str]]:
    session = creator.client.post("/api/sessions/start", json={"platform": "twitch"}).json()
    fired = []
    for _ in range(fires):
        answer = creator.client.post("/api/effects/trigger", json={"effectId": "banner"})
        assert answer.status_code == 201, answer.text
        fired.append(answer.json()["id"])
    return session, fired


def test_an_ended_session_is_deleted_with_its_activations_and_their_delivery(
    creator: TestCreator,
):
    session, fired = _session_with_fires(creator, 3)
    shown = creator.client.post(f"/api/activations/{fired[0]}/delivery", json={"status": "shown"})
    assert shown.status_code == 200, shown.text
    creator.client.post("/api/sessions/end", json={"sessionId": session["id"]})

    deleted = creator.client.delete(f"/api/sessions/{session['id']}")

    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"sessionId": session["id"], "activationsDeleted": 3}
    assert creator.client.get(f"/api/sessions/{session['id']}/status").status_code == 404
    assert session["id"] not in {s["id"] for s in creator.client.get("/api/sessions").json()}
    for activation_id in fired:
        assert creator.client.get(f"/api/activations/{activation_id}").status_code == 404
    again = creator.client.delete(f"/api/sessions/{session['id']}")
    assert (again.status_code, again.json()["code"]) == (404, "not_found")


def test_a_live_or_paused_session_is_refused_with_how_to_end_it(creator: TestCreator):
    session, fired = _session_with_fires(creator, 1)
    for state in ("active", "paused"):
        if state == "paused":
            creator.client.post("/api/sessions/pause", json={"sessionId": session["id"]})
        refused = creator.client.delete(f"/api/sessions/{session['id']}")
        assert refused.status_code == 409, refused.text
        body = refused.json()
        assert body["code"] == "session_not_ended"
        assert body["error"] == f"This session is {state}; only an ended session can be deleted."
        assert "streamfx session end" in body["hint"]
    # Kept whole: the session, its activation, and it still takes the end.
    assert creator.client.get(f"/api/activations/{fired[0]}").status_code == 200
    ended = creator.client.post("/api/sessions/end", json={"sessionId": session["id"]})
    assert ended.json()["metrics"]["effectsTriggered"] == 1


def test_another_creators_session_is_not_found_and_kept(
    alice_and_bob: tuple[TestCreator, TestCreator],
):
    alice, bob = alice_and_bob
    session, fired = _session_with_fires(alice, 2)
    alice.client.post("/api/sessions/end", json={"sessionId": session["id"]})

    probe = bob.client.delete(f"/api/sessions/{session['id']}")

    assert (probe.status_code, probe.json()["code"]) == (404, "not_found")
    assert alice.client.get(f"/api/sessions/{session['id']}/status").status_code == 200
    assert all(alice.client.get(f"/api/activations/{a}").status_code == 200 for a in fired)
