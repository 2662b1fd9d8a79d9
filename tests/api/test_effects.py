"""The effects catalogue over HTTP: built-ins, creating, validating and deleting effects."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.accounts import TestCreator, new_creator
from tests.support.live_server import LiveServer

BUILT_INS = {
    # slug: (kind, category, cooldownMs)
    "banner": ("text", "text", 0),
    "flash": ("flash", "alert", 0),
    "shake": ("shake", "alert", 500),
    "confetti": ("overlay", "celebration", 1000),
    "sparkles": ("overlay", "ambient", 0),
    "brb": ("scene", "transition", 2000),
}


@pytest.fixture(scope="module")
def reader(server: LiveServer) -> Iterator[TestCreator]:
    """A creator with no effects of its own, for tests that only read or get refused."""
    made = new_creator(server)
    yield made
    made.client.close()


def create(creator: TestCreator, **body) -> dict:
    payload = {"name": "Hype", "category": "celebration", "kind": "overlay", **body}
    response = creator.client.post("/api/effects", json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def test_everyone_sees_the_built_ins(reader: TestCreator):
    effects = reader.client.get("/api/effects").json()
    by_slug = {e["slug"]: e for e in effects}
    assert set(BUILT_INS) <= set(by_slug)
    for slug, (kind, category, cooldown) in BUILT_INS.items():
        effect = by_slug[slug]
        assert (effect["kind"], effect["category"], effect["cooldownMs"]) == (
            kind,
            category,
            cooldown,
        )
        assert effect["id"] == f"fx_{slug}"
        assert effect["builtIn"] is True
        assert effect["asset"] is None
        assert effect["durationMs"] > 0
    assert by_slug["brb"]["params"] == {"scene": "BRB"}


def test_filter_by_category(reader: TestCreator):
    alerts = reader.client.get("/api/effects?category=alert").json()
    assert {e["slug"] for e in alerts} == {"flash", "shake"}
    assert reader.client.get("/api/effects?category=sound").json() == []
    bad = reader.client.get("/api/effects?category=explosions")
    assert bad.status_code == 422
    assert bad.json()["details"][0]["field"] == "category"


def test_get_by_id_or_slug(reader: TestCreator):
    by_id = reader.client.get("/api/effects/fx_confetti")
    by_slug = reader.client.get("/api/effects/confetti")
    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.json() == by_slug.json()
    assert by_id.json()["name"] == "Confetti"
    missing = reader.client.get("/api/effects/airhorn")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": 'No effect "airhorn".',
        "code": "not_found",
        "hint": "See `streamfx effects list`.",
    }
    by_unknown_id = reader.client.get("/api/effects/fx_airhorn")
    assert by_unknown_id.json()["error"] == "No effect with that id."


def test_a_misspelt_slug_gets_the_closest_ones_the_creator_can_fire(alice_and_bob):
    alice, bob = alice_and_bob
    made = bob.client.post(
        "/api/effects", json={"name": "Sparkle Bomb", "category": "alert", "kind": "flash"}
    )
    assert made.status_code == 201, made.text
    typo = alice.client.get("/api/effects/sparkels")
    assert typo.status_code == 404
    assert typo.json()["error"] == 'No effect "sparkels".'
    hint = typo.json()["hint"]
    assert hint.startswith('Did you mean "sparkles"') and "`streamfx effects list`" in hint
    # Bob's own effect is never named to Alice.
    assert "sparkle-bomb" not in alice.client.get("/api/effects/sparkle-bom").json()["hint"]
    assert '"sparkle-bomb"' in bob.client.get("/api/effects/sparkle-bom").json()["hint"]


def test_create_an_effect(creator: TestCreator):
    effect = create(
        creator,
        name="Big Hype!",
        kind="overlay",
        category="celebration",
        params={"animation": "sparkles", "particleCount": "300"},
        cooldownMs=2500,
    )
    assert effect["id"].startswith("fx_")
    assert effect["slug"] == "big-hype"
    assert effect["name"] == "Big Hype!"
    # Normalised: a number given as text (as `--param k=v` sends it) is stored as a number.
    assert effect["params"] == {"animation": "sparkles", "particleCount": 300}
    assert (effect["durationMs"], effect["cooldownMs"], effect["builtIn"]) == (3000, 2500, False)
    assert creator.client.get("/api/effects/big-hype").json() == effect
    listed = creator.client.get("/api/effects?category=celebration").json()
    assert effect in listed
    # Built-ins first, own effects after.
    assert listed[-1] == effect


@pytest.mark.parametrize(
    ("kind", "params", "stored"),
    [
        (
            "text",
            {"text": "GG!", "color": "Accent", "background": "#112233"},
            {"text": "GG!", "color": "accent", "background": "#112233"},
        ),
        ("flash", {"color": "#ff0000", "opacity": 0.5}, {"color": "#FF0000", "opacity": 0.5}),
        ("shake", {"amplitude": 30, "frequencyHz": 8}, {"amplitude": 30.0, "frequencyHz": 8.0}),
        ("scene", {"scene": "Starting Soon", "returnAfterMs": 0}, None),
        ("filter", {"source": "Webcam", "filter": "Blur"}, None),
        ("hotkey", {"hotkey": "OBSBasic.StartRecording"}, None),
        ("overlay", {}, None),
    ],
)
def test_each_kind_can_be_created_with_its_params(
    make_creator, kind: str, params: dict, stored: dict | None
):
    effect = create(make_creator(), name=f"My {kind}", kind=kind, params=params)
    # Stored normalised: palette names lower-cased, colours upper-cased, numbers as numbers.
    assert effect["params"] == (params if stored is None else stored)
    assert effect["kind"] == kind


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "scene", "params": {}}, "params.scene"),
        ({"kind": "filter", "params": {"source": "Cam"}}, "params.filter"),
        ({"kind": "hotkey", "params": {"hotkey": ""}}, "params.hotkey"),
        ({"kind": "overlay", "params": {"animation": "fireworks"}}, "params.animation"),
        ({"kind": "overlay", "params": {"particleCount": 0}}, "params.particleCount"),
        ({"kind": "flash", "params": {"opacity": 2}}, "params.opacity"),
        ({"kind": "flash", "params": {"color": "orange"}}, "params.color"),
        ({"kind": "text", "params": {"font": "Comic Sans"}}, "params.font"),
        ({"kind": "shake", "params": {"amplitude": -1}}, "params.amplitude"),
    ],
)
def test_params_are_checked_per_kind(reader: TestCreator, body: dict, field: str):
    response = reader.client.post(
        "/api/effects", json={"name": "Bad", "category": "custom", **body}
    )
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "invalid_params"
    assert body["kind"] in error["error"]
    assert field in [d["field"] for d in error["details"]]
    assert reader.client.get("/api/effects/bad").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "category": "alert", "kind": "flash"}, "name"),
        ({"name": "!!!", "category": "alert", "kind": "flash"}, "name"),
        ({"name": "x" * 81, "category": "alert", "kind": "flash"}, "name"),
        ({"name": "A", "category": "loud", "kind": "flash"}, "category"),
        ({"name": "A", "category": "alert", "kind": "laser"}, "kind"),
        ({"name": "A", "category": "alert", "kind": "image"}, "kind"),
        ({"name": "A", "category": "alert", "kind": "flash", "durationMs": -5}, "durationMs"),
        ({"name": "A", "category": "alert", "kind": "flash", "cooldownMs": "soon"}, "cooldownMs"),
    ],
)
def test_bad_effect_fields_are_refused(reader: TestCreator, body: dict, field: str):
    response = reader.client.post("/api/effects", json=body)
    assert response.status_code == 422
    assert field in [d["field"] for d in response.json()["details"]]


def test_a_file_kind_points_to_the_upload_endpoint(reader: TestCreator):
    response = reader.client.post(
        "/api/effects", json={"name": "Clip", "category": "alert", "kind": "media"}
    )
    assert response.status_code == 422
    assert "/api/effects/upload" in response.json()["error"]


def test_names_are_unique_per_creator_and_against_built_ins(creator: TestCreator, make_creator):
    create(creator, name="Hype")
    again = creator.client.post(
        "/api/effects", json={"name": "HYPE", "category": "alert", "kind": "flash"}
    )
    assert again.status_code == 409
    assert again.json()["error"] == "The name 'hype' is already used by one of your effects."
    built_in = creator.client.post(
        "/api/effects", json={"name": "Confetti", "category": "alert", "kind": "flash"}
    )
    assert built_in.status_code == 409
    assert "built-in" in built_in.json()["error"]
    # Another creator may use the same name.
    assert create(make_creator(), name="Hype")["slug"] == "hype"


def test_delete_own_effect(creator: TestCreator):
    effect = create(creator)
    response = creator.client.delete(f"/api/effects/{effect['id']}")
    assert response.status_code == 204
    assert creator.client.get(f"/api/effects/{effect['id']}").status_code == 404
    assert effect["id"] not in [e["id"] for e in creator.client.get("/api/effects").json()]
    # The name is free again.
    assert create(creator)["slug"] == effect["slug"]


def test_built_ins_cannot_be_deleted(reader: TestCreator):
    for ref in ("fx_confetti", "brb"):
        response = reader.client.delete(f"/api/effects/{ref}")
        assert response.status_code == 403
        assert response.json()["code"] == "built_in"
        assert "cannot be deleted" in response.json()["error"]
    assert reader.client.get("/api/effects/confetti").status_code == 200


def test_another_creators_effect_is_invisible(creator: TestCreator, make_creator):
    other = make_creator()
    theirs = create(other, name="Secret sauce")
    for ref in (theirs["id"], theirs["slug"]):
        assert creator.client.get(f"/api/effects/{ref}").status_code == 404
        assert creator.client.delete(f"/api/effects/{ref}").status_code == 404
    assert theirs["id"] not in [e["id"] for e in creator.client.get("/api/effects").json()]
    assert other.client.get(f"/api/effects/{theirs['id']}").json() == theirs


@pytest.mark.parametrize(("tier", "limit"), [(None, 5), ("creator", 50)])
def test_custom_effect_limit_per_tier(make_creator, tier: str | None, limit: int):
    creator = make_creator(tier)
    for i in range(limit):
        create(creator, name=f"Effect {i}")
    response = creator.client.post(
        "/api/effects", json={"name": "One more", "category": "alert", "kind": "flash"}
    )
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "tier_limit"
    assert body["error"] == (
        f"The {tier or 'free'} tier allows {limit} custom effects, and you already have {limit}."
    )
    own = [e for e in creator.client.get("/api/effects").json() if not e["builtIn"]]
    assert len(own) == limit
