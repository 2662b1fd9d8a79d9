"""The panel's number keys over HTTP (docs/PANEL.md "Keys"): every effect answer carries
its key, a key stays with its effect until the creator moves it, and each creator's keys
and their events are their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.helpers import assert_nothing_queued
from tests.support.accounts import TestCreator, new_creator
from tests.support.live_server import LiveServer
from tests.support.ws import live, next_of

# A new account's keys: the built-ins in the panel's grid order (category, then name).
FIRST_KEYS = {"confetti": 1, "flash": 2, "shake": 3, "brb": 4, "sparkles": 5, "banner": 6}


@pytest.fixture
def streamer(server: LiveServer) -> Iterator[TestCreator]:
    made = new_creator(server)
    yield made
    made.client.close()


def keys(creator: TestCreator) -> dict[str, int | None]:
    return {e["slug"]: e["key"] for e in creator.client.get("/api/effects").json()}


def create(creator: TestCreator, name: str, category: str = "celebration") -> dict:
    response = creator.client.post(
        "/api/effects", json={"name": name, "category": category, "kind": "overlay"}
    )
    assert response.status_code == 201, response.text
    return response.json()


def set_key(creator: TestCreator, ref: str, key: int | None) -> dict:
    response = creator.client.put(f"/api/effects/{ref}/key", json={"key": key})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_new_account_has_its_built_ins_on_keys_one_to_six(streamer: TestCreator):
    assert keys(streamer) == FIRST_KEYS
    assert streamer.client.get("/api/effects/sparkles").json()["key"] == 5


def test_new_effects_take_the_next_free_key_and_move_no_other(streamer: TestCreator):
    # The bug of issue #18: a new celebration effect sorted before Sparkles took its key.
    made = [create(streamer, name) for name in ("Air horn", "Balloons", "Cake", "Disco")]
    assert [e["key"] for e in made] == [7, 8, 9, None]  # nine keys, then none is free
    assert keys(streamer) == {
        **FIRST_KEYS,
        "air-horn": 7,
        "balloons": 8,
        "cake": 9,
        "disco": None,
    }


def test_giving_a_held_key_moves_it_and_says_from_where(streamer: TestCreator):
    hype = create(streamer, "Hype")
    answer = set_key(streamer, hype["id"], 5)
    assert answer["effect"]["key"] == 5 and answer["effect"]["id"] == hype["id"]
    assert answer["movedFrom"]["slug"] == "sparkles" and answer["movedFrom"]["key"] is None
    # Hype's old key 7 is free now, and nothing else moved.
    assert keys(streamer) == {**FIRST_KEYS, "sparkles": None, "hype": 5}
    # A built-in takes a key like any effect (a creator's keys are their own).
    again = set_key(streamer, "sparkles", 7)
    assert again["movedFrom"] is None and again["effect"]["key"] == 7
    # The same key again changes nothing.
    assert set_key(streamer, "sparkles", 7)["movedFrom"] is None
    assert keys(streamer) == {**FIRST_KEYS, "sparkles": 7, "hype": 5}


def test_null_frees_a_key_and_deleting_an_effect_frees_its_own(streamer: TestCreator):
    hype = create(streamer, "Hype")
    assert set_key(streamer, "brb", None)["effect"]["key"] is None
    assert streamer.client.delete(f"/api/effects/{hype['id']}").status_code == 204
    assert keys(streamer) == {**FIRST_KEYS, "brb": None}
    # The freed keys go to the next new effects, lowest first.
    assert [create(streamer, n)["key"] for n in ("One", "Two", "Three")] == [4, 7, 8]


@pytest.mark.parametrize("body", [{"key": 0}, {"key": 10}, {"key": "5"}, {"key": 2.5}, {}])
def test_a_key_outside_one_to_nine_is_refused_and_changes_nothing(
    streamer: TestCreator, body: dict
):
    response = streamer.client.put("/api/effects/flash/key", json=body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "validation_error" and error["details"][0]["field"] == "key"
    assert keys(streamer) == FIRST_KEYS


def test_keys_and_their_events_are_each_creators_own(server: LiveServer, streamer: TestCreator):
    other = new_creator(server)
    try:
        other_key = other.client.post("/api/overlay/key").json()["key"]
        own_key = streamer.client.post("/api/overlay/key").json()["key"]
        with (
            live(server, streamer.access_token) as panel,
            live(server, own_key) as overlay,
            live(server, other.access_token) as others_panel,
            live(server, other_key) as others_overlay,
        ):
            hype = create(streamer, "Hype")
            set_key(streamer, hype["id"], 1)
            # The creator's panel hears of the new effect, then of the key's move.
            assert next_of(panel, "effect.updated")["effect"]["key"] == 7
            moved = next_of(panel, "effect.updated")["effect"]
            assert (moved["slug"], moved["key"]) == ("confetti", None)
            assert next_of(panel, "effect.updated")["effect"]["key"] == 1
            # The active kit chosen elsewhere (`streamfx brand-kit use`) reaches the panel.
            kit = streamer.client.post("/api/brand-kit", json={"name": "Mine"}).json()
            settings = {"settings": {"activeBrandKitId": kit["id"]}}
            assert streamer.client.patch("/api/auth/me", json=settings).status_code == 200
            assert next_of(panel, "settings.updated")["settings"] == settings["settings"]
            # Deleted elsewhere: the panel hears it, with the key it held gone.
            assert streamer.client.delete(f"/api/effects/{hype['id']}").status_code == 204
            gone = next_of(panel, "effect.updated")
            assert gone["deleted"] is True and gone["effect"]["id"] == hype["id"]
            # Another creator's own effect is out of reach, and their keys did not move.
            refused = other.client.put(f"/api/effects/{hype['id']}/key", json={"key": 2})
            assert refused.status_code == 404
            assert keys(other) == FIRST_KEYS
            # Nothing reached the other creator, nor either overlay page (the overlay draws
            # renders resolved by the server: it needs neither effects nor settings).
            for ws in (others_panel, others_overlay):
                assert_nothing_queued(ws)
            assert next_of(overlay, "brandKit.updated")["brandKit"]["id"] == kit["id"]
            assert_nothing_queued(overlay)
    finally:
        other.client.close()
