"""Lanes over HTTP: queueMode and maxDelayMs on effects (create, upload, PATCH), and in
every render (docs/AGENT.md "Lanes", docs/RENDER.md)."""

from __future__ import annotations

import pytest

from streamfx_wire.kinds import KIND_SPECS
from tests.support.accounts import TestCreator
from tests.support.media import png


def create(creator: TestCreator, **body) -> dict:
    payload = {"name": "Hype", "category": "celebration", "kind": "flash", **body}
    response = creator.client.post("/api/effects", json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def fire(creator: TestCreator, effect: str) -> dict:
    response = creator.client.post("/api/effects/trigger", json={"effectId": effect})
    assert response.status_code == 201, response.text
    return response.json()


def test_an_effect_queues_and_waits_five_seconds_by_default(creator: TestCreator):
    made = create(creator)
    assert (made["queueMode"], made["maxDelayMs"]) == ("queue", 5000)
    builtins = {e["slug"]: e for e in creator.client.get("/api/effects").json()}
    assert {(e["queueMode"], e["maxDelayMs"]) for e in builtins.values()} == {("queue", 5000)}


def test_queue_mode_and_max_delay_are_set_on_create_and_kept(creator: TestCreator):
    made = create(creator, queueMode="replace", maxDelayMs=1500)
    again = creator.client.get(f"/api/effects/{made['slug']}").json()
    assert (again["queueMode"], again["maxDelayMs"]) == ("replace", 1500)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"queueMode": "shove"}, "queueMode"),
        ({"maxDelayMs": -1}, "maxDelayMs"),
        ({"maxDelayMs": 600_001}, "maxDelayMs"),
        ({"maxDelayMs": "soon"}, "maxDelayMs"),
    ],
)
def test_bad_lane_fields_are_refused_on_create(creator: TestCreator, body: dict, field: str):
    response = creator.client.post(
        "/api/effects", json={"name": "Bad", "category": "alert", "kind": "flash", **body}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["details"][0]["field"] == field
    assert "bad" not in {e["slug"] for e in creator.client.get("/api/effects").json()}


def test_patch_changes_only_the_fields_given(creator: TestCreator):
    made = create(creator, cooldownMs=1000, params={"opacity": 0.5})
    response = creator.client.patch(
        f"/api/effects/{made['id']}", json={"queueMode": "skip", "maxDelayMs": 0}
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["queueMode"], changed["maxDelayMs"]) == ("skip", 0)
    unchanged = {k: v for k, v in changed.items() if k not in ("queueMode", "maxDelayMs")}
    assert unchanged == {k: v for k, v in made.items() if k not in ("queueMode", "maxDelayMs")}
    assert creator.client.get(f"/api/effects/{made['id']}").json() == changed


def test_patch_renames_and_the_slug_follows(creator: TestCreator):
    made = create(creator)
    response = creator.client.patch(f"/api/effects/{made['slug']}", json={"name": "Big Party"})
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["slug"]) == ("Big Party", "big-party")
    assert creator.client.get("/api/effects/hype").status_code == 404
    taken = creator.client.patch(f"/api/effects/{made['id']}", json={"name": "Banner"})
    assert taken.status_code == 409
    assert taken.json()["code"] == "slug_taken"
    assert creator.client.get(f"/api/effects/{made['id']}").json()["slug"] == "big-party"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"queueMode": None}, "body"),
        ({"queueMode": "later"}, "queueMode"),
        ({"maxDelayMs": 10**9}, "maxDelayMs"),
        ({"kind": "text"}, "kind"),
        ({"name": "!!!"}, "name"),
    ],
)
def test_bad_patches_are_refused_and_change_nothing(creator: TestCreator, body: dict, field: str):
    made = create(creator)
    response = creator.client.patch(f"/api/effects/{made['id']}", json=body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == field
    assert error["error"].startswith("Invalid ")
    assert creator.client.get(f"/api/effects/{made['id']}").json() == made


def test_patched_params_are_checked_against_the_kind(creator: TestCreator):
    made = create(creator)
    response = creator.client.patch(f"/api/effects/{made['id']}", json={"params": {"opacity": 7}})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_params"
    assert creator.client.get(f"/api/effects/{made['id']}").json() == made


def test_built_ins_cannot_be_changed(creator: TestCreator):
    response = creator.client.patch("/api/effects/flash", json={"queueMode": "skip"})
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "built_in"
    assert body["error"] == "Flash is a built-in effect and cannot be changed."
    assert "streamfx effects create" in body["hint"]
    assert creator.client.get("/api/effects/flash").json()["queueMode"] == "queue"


def test_someone_elses_effect_cannot_be_patched(creator: TestCreator, make_creator):
    made = create(creator)
    other = make_creator()
    response = other.client.patch(f"/api/effects/{made['id']}", json={"queueMode": "skip"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert creator.client.get(f"/api/effects/{made['id']}").json()["queueMode"] == "queue"


def test_every_render_carries_its_lane_and_the_effects_queue_settings(creator: TestCreator):
    assert creator.client.post("/api/sessions/start", json={"platform": "twitch"}).is_success
    made = create(creator, queueMode="replace", maxDelayMs=800)
    render = fire(creator, made["slug"])["render"]
    assert (render["lane"], render["queueMode"], render["maxDelayMs"]) == (
        "full-frame",
        "replace",
        800,
    )
    lanes = {slug: fire(creator, slug)["render"]["lane"] for slug in ("banner", "confetti", "brb")}
    assert lanes == {"banner": "lower-third", "confetti": None, "brb": "full-frame"}
    # A later change applies to the next activation only: a render is fixed when fired.
    creator.client.patch(f"/api/effects/{made['id']}", json={"queueMode": "skip"})
    assert fire(creator, made["slug"])["render"]["queueMode"] == "skip"


def test_the_lanes_are_those_of_agent_md():
    assert {kind: spec.lane for kind, spec in KIND_SPECS.items()} == {
        "flash": "full-frame",
        "shake": "full-frame",
        "scene": "full-frame",
        "text": "lower-third",
        "image": "centre",
        "media": "centre",
        "filter": "filter",
        "hotkey": None,
        "overlay": None,
        "move": "full-frame",
        "filter-ramp": "filter",
        "replay": None,
    }


def test_an_upload_takes_queue_mode_and_max_delay(make_creator):
    creator = make_creator("creator")
    files = {"file": ("dot.png", png(), "image/png")}
    data = {
        "name": "Dot",
        "category": "custom",
        "kind": "image",
        "queueMode": "skip",
        "maxDelayMs": "2500",
    }
    response = creator.client.post("/api/effects/upload", data=data, files=files)
    assert response.status_code == 201, response.text
    assert (response.json()["queueMode"], response.json()["maxDelayMs"]) == ("skip", 2500)
    bad = creator.client.post(
        "/api/effects/upload", data={**data, "name": "Dot2", "queueMode": "x"}, files=files
    )
    assert bad.status_code == 422
    assert bad.json()["details"][0]["field"] == "queueMode"
