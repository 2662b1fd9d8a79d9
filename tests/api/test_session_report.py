"""`GET /api/sessions/{id}/report` against the real server (docs/REPORTS.md)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from streamfx_wire.vocabulary import DEFAULT_PALETTE
from tests.support.accounts import TestCreator
from tests.support.live_server import LiveServer
from tests.support.scripted_session import script_session, stamp

from .test_sessions import act, parse, start


def report(creator: TestCreator, session_id: str) -> dict:
    response = creator.client.get(f"/api/sessions/{session_id}/report")
    assert response.status_code == 200, response.text
    return response.json()


def _rewrite(server: LiveServer, sql: str, args: tuple) -> None:
    with sqlite3.connect(server.data_dir / "streamfx.db", timeout=10) as db:
        db.execute(sql, args)


def test_a_scripted_session_reports_exactly_what_happened(server: LiveServer, creator: TestCreator):
    scripted = script_session(server, creator)
    assert report(creator, scripted.id) == scripted.expected


def test_pauses_are_recorded_as_they_happen_and_a_live_report_runs_until_now(
    creator: TestCreator,
):
    session = start(creator)
    fired = creator.client.post("/api/effects/trigger", json={"effectId": "flash"})
    assert fired.status_code == 201, fired.text
    for action in ("pause", "resume", "pause"):
        assert act(creator, action, session["id"]).status_code == 200

    live = report(creator, session["id"])
    paused_at = creator.client.get(f"/api/sessions/{session['id']}/status").json()["pausedAt"]
    assert live["status"] == "paused"
    assert live["endTime"] is None
    first, second = live["pausedSpans"]
    assert first["start"] < first["end"] <= second["start"] == paused_at
    assert second["end"] is None, "still paused"
    assert live["unplacedPausedSeconds"] == 0
    covered = (parse(live["until"]) - parse(live["startTime"])).total_seconds()
    assert abs(live["liveSeconds"] + live["pausedSeconds"] - covered) < 0.01
    assert (live["total"], live["byEffect"], live["bySource"]) == (1, {"flash": 1}, {"api": 1})
    assert live["byCategory"] == {"alert": 1}
    assert live["byDelivery"] in ({"pending": 1}, {"expired": 1})  # nobody draws it here
    assert live["latencyMs"] == {"p50": None, "p95": None, "max": None}
    assert [b["total"] for b in live["buckets"]] == [1]
    assert live["colors"] == DEFAULT_PALETTE, "no brand kit: the default look"

    ended = act(creator, "end", session["id"]).json()
    after = report(creator, session["id"])
    assert after["pausedSpans"][-1]["end"] == ended["endTime"] == after["until"]
    assert after["liveSeconds"] == ended["liveDurationSeconds"]


def test_paused_time_from_before_pauses_were_recorded_is_reported_as_unplaced(
    server: LiveServer, creator: TestCreator
):
    session = start(creator)
    act(creator, "end", session["id"])
    # A session paused for five minutes before the server kept each pause (m007).
    _rewrite(
        server, "UPDATE stream_sessions SET paused_seconds = 300 WHERE id = ?", (session["id"],)
    )
    answer = report(creator, session["id"])
    assert (answer["pausedSeconds"], answer["unplacedPausedSeconds"]) == (300, 300)
    assert answer["pausedSpans"] == []


def test_a_week_long_session_gets_wider_buckets_not_thousands(
    server: LiveServer, creator: TestCreator
):
    session = start(creator)
    act(creator, "end", session["id"])
    begun = datetime(2026, 1, 1, tzinfo=UTC)
    _rewrite(
        server,
        "UPDATE stream_sessions SET start_time = ?, end_time = ? WHERE id = ?",
        (stamp(begun), stamp(begun + timedelta(days=8)), session["id"]),
    )
    answer = report(creator, session["id"])
    # 8 days of 10-minute buckets would be 1,152; at most a week's 1,008, so 20 minutes.
    assert answer["bucketSeconds"] == 1200
    assert len(answer["buckets"]) == 576
    assert answer["buckets"][1]["start"] == stamp(begun + timedelta(minutes=20))


def test_another_creators_session_is_not_found(make_creator):
    alice, bob = make_creator(), make_creator()
    session = start(alice)
    for session_id in (session["id"], "ss_nope"):
        answer = bob.client.get(f"/api/sessions/{session_id}/report")
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert alice.client.get(f"/api/sessions/{session['id']}/report").status_code == 200
