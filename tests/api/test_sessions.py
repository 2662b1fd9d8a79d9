"""Stream sessions over HTTP against the real server: lifecycle, live time, history."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from tests.support.accounts import TestCreator

EMPTY_METRICS = {"effectsTriggered": 0, "byEffect": {}, "byCategory": {}, "lastTriggeredAt": None}


def start(creator: TestCreator, **fields) -> dict:
    response = creator.client.post("/api/sessions/start", json={"platform": "twitch", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def act(creator: TestCreator, action: str, session_id: str):
    return creator.client.post(f"/api/sessions/{action}", json={"sessionId": session_id})


def status(creator: TestCreator, session_id: str) -> dict:
    response = creator.client.get(f"/api/sessions/{session_id}/status")
    assert response.status_code == 200, response.text
    return response.json()


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_start_opens_an_active_session(creator: TestCreator):
    kit = creator.client.post("/api/brand-kit", json={"name": "Main"}).json()
    session = start(creator, platform="youtube", brandKitId=kit["id"], title="Speedrun night")
    assert session["id"].startswith("ss_")
    assert session["status"] == "active"
    assert (session["platform"], session["brandKitId"], session["title"]) == (
        "youtube",
        kit["id"],
        "Speedrun night",
    )
    assert session["endTime"] is None
    assert session["metrics"] == EMPTY_METRICS
    assert 0 <= session["liveDurationSeconds"] < 2
    assert status(creator, session["id"]) | {"liveDurationSeconds": 0} == session | {
        "liveDurationSeconds": 0
    }


@pytest.mark.parametrize("platform", ["twitch", "youtube", "kick", "tiktok", "facebook", "custom"])
def test_every_platform_is_accepted(make_creator, platform: str):
    creator = make_creator()
    assert start(creator, platform=platform)["platform"] == platform


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform": "myspace"}, "platform"),
        ({}, "platform"),
        ({"platform": "twitch", "title": "t" * 141}, "title"),
        ({"platform": "twitch", "mood": "hype"}, "mood"),
    ],
)
def test_bad_start_bodies_are_refused(creator: TestCreator, body: dict, field: str):
    response = creator.client.post("/api/sessions/start", json=body)
    assert response.status_code == 422
    assert field in [d["field"] for d in response.json()["details"]]
    assert creator.client.get("/api/sessions").json() == []


def test_only_one_live_session_at_a_time(creator: TestCreator):
    first = start(creator)
    response = creator.client.post("/api/sessions/start", json={"platform": "kick"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "session_live"
    assert "end it before starting another" in body["error"]
    assert body["sessionId"] == first["id"]
    # A paused session is still live.
    act(creator, "pause", first["id"])
    assert creator.client.post("/api/sessions/start", json={"platform": "kick"}).status_code == 409
    act(creator, "end", first["id"])
    assert start(creator, platform="kick")["status"] == "active"


def test_start_with_someone_elses_or_an_unknown_kit_is_not_found(
    creator: TestCreator, make_creator
):
    other = make_creator()
    theirs = other.client.post("/api/brand-kit", json={"name": "Theirs"}).json()
    for kit_id in (theirs["id"], "bk_nope"):
        response = creator.client.post(
            "/api/sessions/start", json={"platform": "twitch", "brandKitId": kit_id}
        )
        assert response.status_code == 404
        assert response.json()["error"] == "No brand kit with that id."
    assert creator.client.get("/api/sessions").json() == []


def test_pause_resume_end(creator: TestCreator):
    session = start(creator)
    paused = act(creator, "pause", session["id"])
    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"
    assert paused.json()["pausedAt"] is not None
    resumed = act(creator, "resume", session["id"]).json()
    assert (resumed["status"], resumed["pausedAt"]) == ("active", None)
    ended = act(creator, "end", session["id"]).json()
    assert ended["status"] == "ended"
    assert parse(ended["endTime"]) >= parse(ended["startTime"])
    assert status(creator, session["id"])["status"] == "ended"


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        (["pause"], "pause", "This session is already paused."),
        ([], "resume", "This session is not paused, so there is nothing to resume."),
        (["end"], "pause", "This session has ended, so it cannot be paused."),
        (["end"], "resume", "This session has ended, so it cannot be resumed."),
        (["end"], "end", "This session has already ended."),
        (["pause", "end"], "resume", "This session has ended, so it cannot be resumed."),
    ],
)
def test_invalid_transitions_are_conflicts(
    make_creator, setup: list[str], action: str, message: str
):
    creator = make_creator()
    session = start(creator)
    for step in setup:
        assert act(creator, step, session["id"]).status_code == 200
    before = status(creator, session["id"])
    response = act(creator, action, session["id"])
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["error"]) == ("invalid_transition", message)
    assert body["status"] == before["status"]
    assert status(creator, session["id"])["status"] == before["status"]


def test_live_duration_leaves_out_paused_time(creator: TestCreator):
    session = start(creator)
    time.sleep(0.3)
    act(creator, "pause", session["id"])
    first = status(creator, session["id"])["liveDurationSeconds"]
    time.sleep(0.8)
    # The clock stands still while paused.
    assert status(creator, session["id"])["liveDurationSeconds"] == pytest.approx(first, abs=0.05)
    act(creator, "resume", session["id"])
    time.sleep(0.3)
    ended = act(creator, "end", session["id"]).json()
    wall = (parse(ended["endTime"]) - parse(ended["startTime"])).total_seconds()
    assert 0.55 <= ended["liveDurationSeconds"] <= wall - 0.75
    # Ended: frozen for good.
    time.sleep(0.2)
    assert status(creator, session["id"])["liveDurationSeconds"] == ended["liveDurationSeconds"]


def test_ending_while_paused_does_not_count_the_pause(creator: TestCreator):
    session = start(creator)
    act(creator, "pause", session["id"])
    time.sleep(0.6)
    ended = act(creator, "end", session["id"]).json()
    assert ended["liveDurationSeconds"] < 0.4


def test_list_newest_first_and_by_status(creator: TestCreator):
    old = start(creator)
    act(creator, "end", old["id"])
    live = start(creator, platform="kick")
    act(creator, "pause", live["id"])

    def ids(query: str = "") -> list[str]:
        response = creator.client.get(f"/api/sessions{query}")
        assert response.status_code == 200
        return [s["id"] for s in response.json()]

    assert ids() == [live["id"], old["id"]]
    assert ids("?status=ended") == [old["id"]]
    assert ids("?status=paused") == [live["id"]]
    assert ids("?status=active") == []
    assert ids("?status=live") == [live["id"]]
    assert ids("?limit=1") == [live["id"]]
    bad = creator.client.get("/api/sessions?status=sleeping")
    assert bad.status_code == 422
    assert bad.json()["details"][0]["field"] == "status"


def test_another_creators_session_is_not_found(creator: TestCreator, make_creator):
    other = make_creator()
    theirs = start(other)
    assert creator.client.get(f"/api/sessions/{theirs['id']}/status").status_code == 404
    for action in ("pause", "resume", "end"):
        response = act(creator, action, theirs["id"])
        assert response.status_code == 404
        assert response.json()["error"] == "No session with that id."
    assert creator.client.get("/api/sessions").json() == []
    assert status(other, theirs["id"])["status"] == "active"


def test_unknown_session_is_not_found(creator: TestCreator):
    assert creator.client.get("/api/sessions/ss_missing/status").status_code == 404
    assert act(creator, "end", "ss_missing").status_code == 404
    assert creator.client.post("/api/sessions/end", json={}).status_code == 422
