"""Two creators on one server: neither can see or touch the other's things."""

from __future__ import annotations

from tests.support.two_creators import alices_things


def test_everything_of_one_creator_is_invisible_to_the_other(alice_and_bob):
    alice, bob = alice_and_bob
    things = alices_things(alice)
    kit, session, effect, uploaded = (things[k] for k in ("kit", "session", "effect", "upload"))
    bob.client.post("/api/sessions/start", json={"platform": "kick"})

    # Lists never show the other's things.
    assert bob.client.get("/api/brand-kit").json() == []
    assert [s["platform"] for s in bob.client.get("/api/sessions").json()] == ["kick"]
    bobs_effects = {e["id"] for e in bob.client.get("/api/effects").json()}
    assert effect["id"] not in bobs_effects
    assert uploaded["id"] not in bobs_effects

    # Reads, changes and deletes by id all answer 404, as if nothing were there.
    attempts = [
        bob.client.get(f"/api/brand-kit/{kit['id']}"),
        bob.client.put(f"/api/brand-kit/{kit['id']}", json={"name": "Bob's now"}),
        bob.client.delete(f"/api/brand-kit/{kit['id']}"),
        bob.client.get(f"/api/sessions/{session['id']}/status"),
        bob.client.post("/api/sessions/pause", json={"sessionId": session["id"]}),
        bob.client.post("/api/sessions/end", json={"sessionId": session["id"]}),
        bob.client.get(f"/api/effects/{effect['id']}"),
        bob.client.delete(f"/api/effects/{effect['id']}"),
        bob.client.delete(f"/api/effects/{uploaded['id']}"),
        bob.client.get(uploaded["asset"]["url"]),
        bob.client.post(
            "/api/effects/trigger", json={"effectId": effect["id"]}
        ),  # Bob's own live session, Alice's effect
        bob.client.post(
            "/api/effects/trigger", json={"effectId": "flash", "sessionId": session["id"]}
        ),
        bob.client.post(
            "/api/sessions/start", json={"platform": "twitch", "brandKitId": kit["id"]}
        ),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts), [
        (r.request.method, r.request.url.path, r.status_code) for r in attempts
    ]

    # And Alice still has all of it, unchanged.
    assert alice.client.get(f"/api/brand-kit/{kit['id']}").json() == kit
    status = alice.client.get(f"/api/sessions/{session['id']}/status").json()
    assert (status["status"], status["metrics"]["effectsTriggered"]) == ("active", 0)
    assert alice.client.get(f"/api/effects/{effect['id']}").json() == effect
    assert alice.client.get(uploaded["asset"]["url"]).status_code == 200
