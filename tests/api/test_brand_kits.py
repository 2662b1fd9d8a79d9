"""Brand kits over HTTP against the real server: CRUD, validation, tier limits, live events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.support.accounts import TestCreator, new_creator
from tests.support.live_server import LiveServer

DEFAULT_PALETTE = {
    "primary": "#7B2FF7",
    "secondary": "#F107A3",
    "accent": "#FFD166",
    "background": "#0B0B0F",
    "text": "#FFFFFF",
}
ALL_CATEGORIES = ["celebration", "alert", "transition", "ambient", "sound", "text", "custom"]


@pytest.fixture(scope="module")
def kitless(server: LiveServer) -> Iterator[TestCreator]:
    """A creator that only ever gets refused, so every refusal test can share it."""
    made = new_creator(server)
    yield made
    made.client.close()


def make_kit(creator: TestCreator, **fields: Any) -> dict:
    response = creator.client.post("/api/brand-kit", json={"name": "Main", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_kit_made_from_a_name_gets_the_defaults(creator: TestCreator):
    kit = make_kit(creator, name="  Cozy  ")
    assert kit["id"].startswith("bk_")
    assert kit["name"] == "Cozy"
    assert kit["colorPalette"] == DEFAULT_PALETTE
    assert kit["typography"] == {"headingFont": "Inter", "bodyFont": "Inter", "baseSize": 48}
    assert kit["motionIntensity"] == 3
    assert kit["allowedCategories"] == ALL_CATEGORIES
    assert kit["createdAt"] == kit["updatedAt"]


def test_given_fields_are_kept_and_missing_colours_default(creator: TestCreator):
    kit = make_kit(
        creator,
        colorPalette={"primary": "#ff6600", "text": "#00aaff"},
        typography={"headingFont": "Bebas Neue", "baseSize": 64},
        motionIntensity=5,
        allowedCategories=["text", "alert", "text"],
    )
    assert kit["colorPalette"] == {**DEFAULT_PALETTE, "primary": "#FF6600", "text": "#00AAFF"}
    assert kit["typography"] == {"headingFont": "Bebas Neue", "bodyFont": "Inter", "baseSize": 64}
    assert kit["motionIntensity"] == 5
    # Deduplicated, in the canonical order.
    assert kit["allowedCategories"] == ["alert", "text"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({}, "name"),
        ({"name": "K", "colorPalette": {"primary": "red"}}, "colorPalette.primary"),
        ({"name": "K", "colorPalette": {"accent": "#12345"}}, "colorPalette.accent"),
        ({"name": "K", "colorPalette": {"text": "#GGGGGG"}}, "colorPalette.text"),
        ({"name": "K", "colorPalette": {"shadow": "#000000"}}, "colorPalette.shadow"),
        (
            {"name": "K", "typography": {"headingFont": "x; background:url(a)"}},
            "typography.headingFont",
        ),
        ({"name": "K", "typography": {"baseSize": 2}}, "typography.baseSize"),
        ({"name": "K", "motionIntensity": 0}, "motionIntensity"),
        ({"name": "K", "motionIntensity": 6}, "motionIntensity"),
        ({"name": "K", "allowedCategories": ["celebration", "fireworks"]}, "allowedCategories.1"),
        ({"name": "K", "logo": "x.png"}, "logo"),
    ],
)
def test_invalid_kits_are_refused_with_the_field_named(
    kitless: TestCreator, body: dict, field: str
):
    response = kitless.client.post("/api/brand-kit", json=body)
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "validation_error"
    assert field in [d["field"] for d in error["details"]], error
    assert kitless.client.get("/api/brand-kit").json() == []


def test_get_and_list_show_only_the_creators_kits(creator: TestCreator, make_creator):
    kit = make_kit(creator)
    other = make_creator()
    make_kit(other, name="Theirs")
    assert creator.client.get(f"/api/brand-kit/{kit['id']}").json() == kit
    assert creator.client.get("/api/brand-kit").json() == [kit]


def test_update_changes_only_the_fields_given(creator: TestCreator):
    kit = make_kit(creator, colorPalette={"primary": "#111111"}, motionIntensity=2)
    response = creator.client.put(
        f"/api/brand-kit/{kit['id']}",
        json={"colorPalette": {"accent": "#abcdef"}, "typography": {"bodyFont": "Roboto"}},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["colorPalette"] == {**kit["colorPalette"], "accent": "#ABCDEF"}
    assert updated["colorPalette"]["primary"] == "#111111"
    assert updated["typography"] == {**kit["typography"], "bodyFont": "Roboto"}
    assert updated["name"] == kit["name"]
    assert updated["motionIntensity"] == 2
    assert updated["updatedAt"] >= kit["updatedAt"]
    assert creator.client.get(f"/api/brand-kit/{kit['id']}").json() == updated


def test_update_can_rename_and_narrow_categories(creator: TestCreator):
    kit = make_kit(creator)
    updated = creator.client.put(
        f"/api/brand-kit/{kit['id']}",
        json={"name": "Late show", "allowedCategories": [], "motionIntensity": 1},
    ).json()
    assert (updated["name"], updated["allowedCategories"], updated["motionIntensity"]) == (
        "Late show",
        [],
        1,
    )


@pytest.mark.parametrize(
    "body",
    [
        {"name": None},
        {"motionIntensity": 9},
        {"colorPalette": {"primary": None}},
        {"colorPalette": {"primary": "#12"}},
        {"id": "bk_other"},
    ],
)
def test_a_bad_update_is_refused_and_changes_nothing(creator: TestCreator, body: dict):
    kit = make_kit(creator)
    response = creator.client.put(f"/api/brand-kit/{kit['id']}", json=body)
    assert response.status_code == 422
    assert response.json()["details"]
    assert creator.client.get(f"/api/brand-kit/{kit['id']}").json() == kit


def test_delete_removes_the_kit(creator: TestCreator):
    kit = make_kit(creator)
    response = creator.client.delete(f"/api/brand-kit/{kit['id']}")
    assert response.status_code == 204
    assert response.content == b""
    missing = creator.client.get(f"/api/brand-kit/{kit['id']}")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert creator.client.delete(f"/api/brand-kit/{kit['id']}").status_code == 404


def test_deleting_the_active_kit_clears_it_from_settings(creator: TestCreator):
    kit = make_kit(creator)
    creator.client.patch(
        "/api/auth/me", json={"settings": {"activeBrandKitId": kit["id"], "theme": "dark"}}
    )
    creator.client.delete(f"/api/brand-kit/{kit['id']}")
    assert creator.client.get("/api/auth/me").json()["settings"] == {"theme": "dark"}


def test_another_creators_kit_is_not_found(creator: TestCreator, make_creator):
    other = make_creator()
    theirs = make_kit(other, name="Theirs")
    for response in (
        creator.client.get(f"/api/brand-kit/{theirs['id']}"),
        creator.client.put(f"/api/brand-kit/{theirs['id']}", json={"name": "Mine now"}),
        creator.client.delete(f"/api/brand-kit/{theirs['id']}"),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == "No brand kit with that id."
    assert other.client.get(f"/api/brand-kit/{theirs['id']}").json() == theirs


def test_without_a_token_nothing_is_shown(server: LiveServer, creator: TestCreator):
    response = httpx.get(f"{server.url}/api/brand-kit")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("tier", "limit"), [(None, 1), ("creator", 3), ("professional", 10)])
def test_each_tier_has_its_brand_kit_limit(make_creator, tier: str | None, limit: int):
    creator = make_creator(tier)
    for i in range(limit):
        make_kit(creator, name=f"Kit {i}")
    response = creator.client.post("/api/brand-kit", json={"name": "One too many"})
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "tier_limit"
    kits = "brand kit" if limit == 1 else "brand kits"
    assert body["error"].startswith(f"The {tier or 'free'} tier allows {limit} {kits}")
    assert body["limit"] == limit
    assert len(creator.client.get("/api/brand-kit").json()) == limit
    # Room again after a delete.
    first = creator.client.get("/api/brand-kit").json()[0]
    creator.client.delete(f"/api/brand-kit/{first['id']}")
    assert creator.client.post("/api/brand-kit", json={"name": "Again"}).status_code == 201


def test_enterprise_has_no_brand_kit_limit(make_creator):
    creator = make_creator("enterprise")
    for i in range(12):
        make_kit(creator, name=f"Kit {i}")
    assert len(creator.client.get("/api/brand-kit").json()) == 12


def test_every_change_is_pushed_to_the_creators_connections(
    server: LiveServer, creator: TestCreator
):
    url = f"ws://127.0.0.1:{server.port}/api/ws"
    with connect(url, open_timeout=5) as ws:
        ws.send(json.dumps({"type": "auth", "token": creator.access_token}))
        assert json.loads(ws.recv(timeout=5))["type"] == "ready"

        def next_kit_event() -> dict:
            while True:
                message = json.loads(ws.recv(timeout=5))
                if message["type"] == "brandKit.updated":
                    return message

        kit = make_kit(creator)
        assert next_kit_event()["brandKit"] == kit
        updated = creator.client.put(f"/api/brand-kit/{kit['id']}", json={"name": "B"}).json()
        assert next_kit_event()["brandKit"] == updated
        creator.client.delete(f"/api/brand-kit/{kit['id']}")
        gone = next_kit_event()
        assert gone["deleted"] is True
        assert gone["brandKit"]["id"] == kit["id"]
