"""The move, filter-ramp and replay kinds over HTTP: made, checked, fired, reported.

OBS's side of them is in tests/obs/test_frame_kinds.py.
"""

from __future__ import annotations

import pytest

from tests.support.accounts import TestCreator


def make(creator: TestCreator, name: str, kind: str, params: dict, **extra) -> dict:
    response = creator.client.post(
        "/api/effects",
        json={"name": name, "category": "custom", "kind": kind, "params": params, **extra},
    )
    assert response.status_code == 201, response.text
    return response.json()


def start_session(creator: TestCreator) -> dict:
    response = creator.client.post("/api/sessions/start", json={"platform": "twitch"})
    assert response.status_code == 201, response.text
    return response.json()


def fire(creator: TestCreator, effect: str, params: dict | None = None):
    return creator.client.post(
        "/api/effects/trigger", json={"effectId": effect, **({"params": params} if params else {})}
    )


def test_a_move_is_made_fired_and_rendered(creator: TestCreator):
    effect = make(creator, "Slide cam", "move", {"source": "Camera", "dx": 200, "scaleBy": 1.5})
    # Stored as given; the defaults (easing, animateMs, the program scene) apply at firing.
    assert effect["params"] == {"source": "Camera", "dx": 200.0, "scaleBy": 1.5}
    assert effect["durationMs"] == 1500
    start_session(creator)
    response = fire(creator, "slide-cam", {"rotation": 15, "animateMs": 800})
    assert response.status_code == 201, response.text
    render = response.json()["render"]
    assert render["kind"] == "move"
    assert render["lane"] == "full-frame"
    assert (render["source"], render["scene"]) == ("Camera", None)
    # The trigger's parameters join the stored ones; only the targets given are in `to`.
    assert render["to"] == {"dx": 200.0, "scaleBy": 1.5, "rotation": 15.0}
    assert (render["easing"], render["animateMs"], render["durationMs"]) == (
        "ease-in-out",
        800,
        1500,
    )


def test_a_filter_ramp_is_made_fired_and_rendered(creator: TestCreator):
    make(
        creator,
        "Dim",
        "filter-ramp",
        {
            "source": "Camera",
            "filter": "Colour",
            "settings": {"brightness": -0.5},
            "easing": "linear",
        },
        durationMs=2000,
    )
    start_session(creator)
    response = fire(creator, "dim", {"settings": {"brightness": -0.8, "contrast": 0.2}})
    assert response.status_code == 201, response.text
    render = response.json()["render"]
    assert render["lane"] == "filter"
    assert (render["source"], render["filter"]) == ("Camera", "Colour")
    assert render["settings"] == {"brightness": -0.8, "contrast": 0.2}
    assert (render["easing"], render["animateMs"], render["durationMs"]) == ("linear", 500, 2000)


def test_a_replay_is_made_and_fired_and_its_file_is_reported(creator: TestCreator):
    effect = make(creator, "Clip it", "replay", {})
    assert effect["durationMs"] == 0
    start_session(creator)
    response = fire(creator, "clip-it")
    assert response.status_code == 201, response.text
    activation = response.json()
    assert activation["render"]["lane"] is None
    # What `fire`, the panel and the agent report once OBS has saved it.
    reported = creator.client.post(
        f"/api/activations/{activation['id']}/delivery",
        json={"status": "shown", "reason": "saved to /videos/Replay 2025-05-01 20-14-03.mkv"},
    )
    assert reported.status_code == 200, reported.text
    delivery = creator.client.get(f"/api/activations/{activation['id']}").json()["delivery"]
    assert delivery["status"] == "shown"
    assert delivery["reason"] == "saved to /videos/Replay 2025-05-01 20-14-03.mkv"


@pytest.mark.parametrize(
    ("kind", "params", "field", "words"),
    [
        ("move", {"dx": 10}, "params.source", "Field required"),
        ("move", {"source": "Camera"}, "params", "a move needs somewhere to go"),
        ("move", {"source": "Camera", "x": 10, "dx": 5}, "params", "give x or dx, not both"),
        ("move", {"source": "Camera", "scale": 1, "scaleBy": 2}, "params", "scale or scaleBy"),
        ("move", {"source": "Camera", "scaleBy": 0}, "params.scaleBy", "greater than 0"),
        ("move", {"source": "Camera", "x": 1e9}, "params.x", "less than or equal"),
        ("move", {"source": "Camera", "dx": 5, "easing": "bounce"}, "params.easing", "ease-in"),
        ("move", {"source": "Camera", "dx": 5, "animateMs": 60_000}, "params.animateMs", "10000"),
        ("filter-ramp", {"source": "Camera", "filter": "Blur"}, "params.settings", "required"),
        (
            "filter-ramp",
            {"source": "Camera", "filter": "Blur", "settings": {}},
            "params.settings",
            "at least 1",
        ),
        (
            "filter-ramp",
            {"source": "Camera", "filter": "Blur", "settings": {"size": True}},
            "params.settings.size",
            "number",
        ),
        (
            "filter-ramp",
            {"source": "Camera", "filter": "Blur", "settings": {"size": "12"}},
            "params.settings.size",
            "number",
        ),
        ("replay", {"seconds": 30}, "params.seconds", "no such parameter"),
    ],
)
def test_bad_params_are_refused_one_sentence_each(
    make_creator, kind: str, params: dict, field: str, words: str
):
    creator = make_creator()
    response = creator.client.post(
        "/api/effects", json={"name": "Bad", "category": "custom", "kind": kind, "params": params}
    )
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "invalid_params"
    assert kind in error["error"]
    details = {d["field"]: d["message"] for d in error["details"]}
    assert field in details, details
    assert words in details[field]
    assert creator.client.get("/api/effects/bad").status_code == 404


def test_a_trigger_may_not_add_a_relative_target_beside_a_stored_absolute_one(
    creator: TestCreator,
):
    make(creator, "Park cam", "move", {"source": "Camera", "x": 40})
    session = start_session(creator)
    response = fire(creator, "park-cam", {"dx": 10})
    assert response.status_code == 422
    assert "give x or dx, not both" in response.json()["error"]
    status = creator.client.get(f"/api/sessions/{session['id']}/status").json()
    assert status["metrics"]["effectsTriggered"] == 0
