"""`GET /api/export` and `POST /api/import` against the real server (docs/EXPORT.md):
the format, refusals that change nothing, idempotence, tier limits and isolation.

The round trip through a second server, with the CLI, is tests/cli/test_export_import.py.
"""

from __future__ import annotations

import json
from typing import Any

from tests.support.accounts import TestCreator
from tests.support.media import png, upload


def export(creator: TestCreator) -> dict[str, Any]:
    response = creator.client.get("/api/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def imported(creator: TestCreator, doc: dict[str, Any], **params: str) -> dict[str, Any]:
    response = creator.client.post("/api/import", json=doc, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def holdings(creator: TestCreator) -> dict[str, Any]:
    """What the creator has, as the API shows it (ids aside: times and content)."""
    doc = export(creator)
    return {key: doc[key] for key in ("counts", "brandKits", "effects", "sessions")}


def counts(created: int = 0, matched: int = 0, skipped: int = 0) -> dict[str, int]:
    return {"created": created, "matched": matched, "skipped": skipped}


def start(creator: TestCreator, **fields: str) -> dict[str, Any]:
    response = creator.client.post("/api/sessions/start", json={"platform": "twitch", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def streamer(creator: TestCreator) -> dict[str, Any]:
    """A kit, an effect of their own, an uploaded image, an ended session with three fires
    (shown, hidden, failed) and a live one with one fire (skipped). Every delivery is
    reported, so the expiry sweeper changes nothing while a test compares."""
    kit = creator.client.post(
        "/api/brand-kit", json={"name": "Neon", "colorPalette": {"primary": "#00FF88"}}
    ).json()
    wave = creator.client.post(
        "/api/effects", json={"name": "Wave", "category": "alert", "kind": "flash"}
    ).json()
    logo = upload(creator.client, png(rgb=(9, 9, 200)), name="Logo").json()
    ended = start(creator, brandKitId=kit["id"], title="Friday")
    # A pause, and a fire with params: the report's timeline and firing again need them.
    for step in ("pause", "resume"):
        assert creator.client.post(
            f"/api/sessions/{step}", json={"sessionId": ended["id"]}
        ).is_success
    fired = [
        creator.client.post("/api/effects/trigger", json={"effectId": ref, **extra}).json()
        for ref, extra in (
            ("banner", {"params": {"text": "Hello"}}),
            (wave["id"], {}),
            (logo["id"], {}),
        )
    ]
    creator.client.post(f"/api/activations/{fired[0]['id']}/delivery", json={"status": "shown"})
    creator.client.post(
        f"/api/activations/{fired[1]['id']}/delivery",
        json={"status": "hidden", "reason": "StreamFX is below 'Game' in scene 'Scene'"},
    )
    creator.client.post(
        f"/api/activations/{fired[2]['id']}/delivery",
        json={"status": "failed", "reason": "OBS is not reachable"},
    )
    creator.client.post("/api/sessions/end", json={"sessionId": ended["id"]})
    live = start(creator, title="Saturday")
    flash = creator.client.post("/api/effects/trigger", json={"effectId": "flash"}).json()
    creator.client.post(f"/api/activations/{flash['id']}/delivery", json={"status": "skipped"})
    return {"kit": kit, "wave": wave, "logo": logo, "ended": ended, "live": live, "fired": fired}


def test_the_export_holds_kits_own_effects_without_bytes_and_sessions_with_deliveries(
    make_creator,
):
    alice = make_creator("creator")
    things = streamer(alice)

    doc = export(alice)

    assert (doc["format"], doc["version"]) == ("streamfx-export", 1)
    assert doc["counts"] == {"brandKits": 1, "effects": 2, "sessions": 2, "activations": 4}
    assert doc["creator"]["id"] == alice.id
    assert [k["colorPalette"]["primary"] for k in doc["brandKits"]] == ["#00FF88"]
    by_name = {e["name"]: e for e in doc["effects"]}
    assert set(by_name) == {"Wave", "Logo"}  # built-ins are on every server: not exported
    assert by_name["Logo"]["asset"] == {
        "sha256": things["logo"]["asset"]["sha256"],
        "contentType": "image/png",
        "size": things["logo"]["asset"]["size"],
        "originalName": "clip.png",
    }
    friday = next(s for s in doc["sessions"] if s["title"] == "Friday")
    assert friday["brandKitId"] == things["kit"]["id"]
    assert [a["effectId"] for a in friday["activations"]] == [
        "fx_banner",
        things["wave"]["id"],
        things["logo"]["id"],
    ]
    assert [a["delivery"]["status"] for a in friday["activations"]] == ["shown", "hidden", "failed"]
    assert friday["activations"][1]["delivery"]["reason"] == (
        "StreamFX is below 'Game' in scene 'Scene'"
    )
    assert friday["activations"][0]["render"] == things["fired"][0]["render"]


def test_importing_into_another_account_copies_it_and_twice_changes_nothing(make_creator):
    alice, bob = make_creator("creator"), make_creator("creator")
    things = streamer(alice)
    doc = export(alice)

    first = imported(bob, doc)

    assert first["brandKits"] == counts(created=1)
    assert first["effects"] == counts(created=1, skipped=1)  # Logo: its file is not here
    assert first["sessions"] == counts(created=1, skipped=1)  # Saturday is still live
    assert first["activations"] == counts(created=3, skipped=1)
    assert any("Effect 'Logo' (image) was not imported" in n for n in first["notes"])
    assert any("Session" in n and "was active when it was exported" in n for n in first["notes"])
    bobs = holdings(bob)
    assert [k["name"] for k in bobs["brandKits"]] == ["Neon"]
    [friday] = bobs["sessions"]
    alices_friday = next(s for s in doc["sessions"] if s["title"] == "Friday")
    # The same session, times, pauses, metrics, deliveries and params; the same ids.
    assert friday == alices_friday
    assert len(friday["pausedSpans"]) == 1
    assert friday["activations"][0]["params"] == {"text": "Hello"}
    # New rows of Bob's own: Alice's kit is still not his.
    [bobs_kit] = bob.client.get("/api/brand-kit").json()
    assert bobs_kit["id"] != things["kit"]["id"]
    assert bob.client.get(f"/api/brand-kit/{things['kit']['id']}").status_code == 404

    second = imported(bob, doc)

    assert second["brandKits"] == counts(matched=1)
    assert second["effects"] == counts(matched=1, skipped=1)
    assert second["sessions"] == counts(matched=1, skipped=1)
    assert second["activations"] == counts(matched=3, skipped=1)
    assert holdings(bob) == bobs


def test_an_account_importing_its_own_export_finds_everything_already_there(make_creator):
    alice = make_creator("creator")
    streamer(alice)
    before = holdings(alice)

    again = imported(alice, export(alice))

    assert again["effects"] == counts(matched=2)
    assert again["activations"] == counts(matched=3, skipped=1)
    assert holdings(alice) == before


def test_a_dry_run_counts_and_changes_nothing(make_creator):
    alice, bob = make_creator("creator"), make_creator("creator")
    streamer(alice)
    before = holdings(bob)

    tried = imported(bob, export(alice), dryRun="true")

    assert tried["dryRun"] is True
    assert tried["activations"] == counts(created=3, skipped=1)
    assert holdings(bob) == before


def test_bad_files_are_refused_and_change_nothing(make_creator):
    alice, bob = make_creator("creator"), make_creator("creator")
    streamer(alice)
    doc = export(alice)
    before = holdings(bob)
    friday = next(s for s in doc["sessions"] if s["title"] == "Friday")
    broken_activation = {**friday, "activations": [*friday["activations"], {"id": "act_x"}]}

    cases = {
        "not_an_export": {**doc, "format": "obs-scene-collection"},
        "export_too_new": {**doc, "version": 2},
        "validation_error": {**doc, "sessions": [broken_activation]},
    }
    for code, body in cases.items():
        refused = bob.client.post("/api/import", json=body)
        assert (refused.status_code, refused.json()["code"]) == (422, code), refused.text
        assert refused.json()["hint"]
    assert (
        "newer StreamFX"
        in bob.client.post("/api/import", json=cases["export_too_new"]).json()["error"]
    )
    # The kit and effects came before the broken activation in the same body: not kept.
    assert holdings(bob) == before


def test_the_tier_limits_refuse_the_whole_import(make_creator):
    alice, bob = make_creator("creator"), make_creator()  # Bob is on the free tier
    alice.client.post("/api/brand-kit", json={"name": "One"})
    alice.client.post("/api/brand-kit", json={"name": "Two"})
    before = holdings(bob)

    refused = bob.client.post("/api/import", json=export(alice))

    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "tier_limit"
    assert refused.json()["error"] == (
        "Importing would add 2 brand kits, but the free tier allows 1 and you have 0."
    )
    assert holdings(bob) == before

    # One kit fits, six effects do not: the kit, made first in the same transaction, goes too.
    alice.client.delete(f"/api/brand-kit/{alice.client.get('/api/brand-kit').json()[0]['id']}")
    for n in range(6):
        alice.client.post(
            "/api/effects", json={"name": f"Ping {n}", "category": "alert", "kind": "flash"}
        )
    refused = bob.client.post("/api/import", json=export(alice))

    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == (
        "Importing would add 6 custom effects, but the free tier allows 5 and you have 0."
    )
    assert holdings(bob) == before


def test_kits_and_effects_of_the_same_name_are_matched_and_kept_as_they_are(make_creator):
    alice, bob = make_creator("creator"), make_creator("creator")
    alice.client.post("/api/brand-kit", json={"name": "Main", "motionIntensity": 5})
    bobs_kit = bob.client.post("/api/brand-kit", json={"name": "Main", "motionIntensity": 1})
    bob.client.post("/api/effects", json={"name": "Wave", "category": "alert", "kind": "shake"})
    alice.client.post("/api/effects", json={"name": "Wave", "category": "alert", "kind": "flash"})

    first = imported(bob, export(alice))

    assert first["brandKits"] == counts(matched=1)
    assert first["effects"] == counts(matched=1)
    assert "Brand kit 'Main' was already here (same name): kept as it is here." in first["notes"]
    assert bob.client.get(f"/api/brand-kit/{bobs_kit.json()['id']}").json()["motionIntensity"] == 1
    assert bob.client.get("/api/effects/wave").json()["kind"] == "shake"
    assert imported(bob, export(alice))["notes"] == []  # found by id from now on


def test_an_import_of_alices_file_never_touches_alices_data(
    alice_and_bob: tuple[TestCreator, TestCreator],
):
    alice, bob = alice_and_bob
    streamer(alice)
    doc = export(alice)
    alices = holdings(alice)

    imported(bob, doc)
    imported(bob, doc)

    assert holdings(alice) == alices
    bobs_export = json.dumps(export(bob))
    assert alice.id not in bobs_export  # Bob's export names him, not her


def test_a_rules_firing_is_exported_and_imported_with_its_rule(make_creator):
    alice, bob = make_creator("creator"), make_creator("creator")
    rule = alice.client.post(
        "/api/rules",
        json={
            "name": "Hello",
            "trigger": {"type": "session", "on": "started"},
            "effectId": "banner",
        },
    ).json()
    session = start(alice, title="Ruled")
    alice.client.post("/api/sessions/end", json={"sessionId": session["id"]})
    [exported] = export(alice)["sessions"]
    [activation] = exported["activations"]
    assert (activation["source"], activation["ruleId"]) == ("rule", rule["id"])

    assert imported(bob, export(alice))["activations"] == counts(created=1)
    [bobs] = export(bob)["sessions"]
    # The rule's id is kept as a label: Bob has no such rule, and his history says which.
    assert (bobs["activations"][0]["source"], bobs["activations"][0]["ruleId"]) == (
        "rule",
        rule["id"],
    )
    assert bob.client.get(f"/api/rules/{rule['id']}").status_code == 404
