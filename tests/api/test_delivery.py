"""The delivery record over HTTP: every activation carries it, GET shows it, a report moves
it once and is pushed as activation.updated (docs/AGENT.md "Delivery record")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.accounts import TestCreator
from tests.support.live_server import LiveServer
from tests.support.ws import live, next_of, recv, send

PENDING = {"status": "pending", "reason": None, "agentId": None, "drawnAt": None, "latencyMs": None}


def fired(creator: TestCreator, effect: str = "flash") -> dict:
    response = creator.client.post("/api/effects/trigger", json={"effectId": effect})
    assert response.status_code == 201, response.text
    activation = response.json()
    # Who draws it: nobody here (tests/api/test_agents.py has agents); the rest is
    # the activation as GET and the events carry it.
    assert activation.pop("agent") is None
    return activation


@pytest.fixture
def streaming(creator: TestCreator) -> TestCreator:
    assert creator.client.post("/api/sessions/start", json={"platform": "twitch"}).is_success
    return creator


def report(creator: TestCreator, activation_id: str, **body):
    return creator.client.post(f"/api/activations/{activation_id}/delivery", json=body)


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_new_activation_is_pending_everywhere(server: LiveServer, streaming: TestCreator):
    with live(server, streaming.access_token) as ws:
        activation = fired(streaming, "confetti")  # overlay-only: pending too, for now
        assert activation["delivery"] == PENDING
        pushed = next_of(ws, "effect.triggered")["activation"]
        assert pushed == activation
        send(ws, {"type": "trigger", "effectId": "flash", "id": 1})
        answered = next_of(ws, "triggered")["activation"]
        assert answered["delivery"] == PENDING
    got = streaming.client.get(f"/api/activations/{activation['id']}")
    assert got.status_code == 200
    assert got.json() == activation


def test_a_report_is_stored_with_its_latency_and_pushed(server: LiveServer, streaming: TestCreator):
    activation = fired(streaming)
    drawn = parse(activation["triggeredAt"]) + timedelta(milliseconds=137)
    with live(server, streaming.access_token) as ws:
        response = report(
            streaming,
            activation["id"],
            status="shown",
            drawnAt=drawn.isoformat(),
            agentId="ag_test1",
        )
        assert response.status_code == 200, response.text
        delivery = response.json()["delivery"]
        assert delivery == {
            "status": "shown",
            "reason": None,
            "agentId": "ag_test1",
            "drawnAt": drawn.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "latencyMs": 137,
        }
        pushed = next_of(ws, "activation.updated")
        # Logged like every pushed event (tests/api/test_event_log.py checks the numbering).
        assert isinstance(pushed.pop("seq"), int)
        assert pushed == {"type": "activation.updated", "activation": response.json()}
    stored = streaming.client.get(f"/api/activations/{activation['id']}").json()
    assert stored == response.json()
    assert {k: stored[k] for k in ("id", "render", "triggeredAt")} == {
        k: activation[k] for k in ("id", "render", "triggeredAt")
    }


def test_shown_without_drawn_at_is_drawn_when_reported(streaming: TestCreator):
    activation = fired(streaming)
    before = datetime.now(UTC)
    delivery = report(streaming, activation["id"], status="hidden", reason="x").json()["delivery"]
    assert delivery["status"] == "hidden"
    assert before - timedelta(seconds=1) <= parse(delivery["drawnAt"])
    assert parse(delivery["drawnAt"]) <= datetime.now(UTC)
    assert delivery["latencyMs"] >= 0


def test_a_draw_time_before_the_trigger_counts_as_no_delay(streaming: TestCreator):
    # The drawing computer's clock may be a little behind the server's.
    activation = fired(streaming)
    early = parse(activation["triggeredAt"]) - timedelta(seconds=2)
    response = report(streaming, activation["id"], status="shown", drawnAt=early.isoformat())
    assert response.json()["delivery"]["latencyMs"] == 0


@pytest.mark.parametrize("status", ["failed", "expired", "skipped"])
def test_undrawn_statuses_keep_their_reason_and_no_draw_time(streaming: TestCreator, status: str):
    activation = fired(streaming)
    response = report(streaming, activation["id"], status=status, reason="OBS is not reachable")
    assert response.status_code == 200, response.text
    assert response.json()["delivery"] == {
        **PENDING,
        "status": status,
        "reason": "OBS is not reachable",
    }


def test_a_second_report_is_refused_and_changes_nothing(server: LiveServer, streaming: TestCreator):
    activation = fired(streaming)
    first = report(streaming, activation["id"], status="failed", reason="OBS is not reachable")
    assert first.status_code == 200
    with live(server, streaming.access_token) as ws:
        again = report(streaming, activation["id"], status="shown")
        assert again.status_code == 409
        body = again.json()
        assert body["code"] == "delivery_reported"
        assert body["error"] == "This activation's delivery was already reported as failed."
        assert body["hint"]
        assert body["delivery"] == first.json()["delivery"]
        # Nothing was pushed for the refused report.
        send(ws, {"type": "ping", "id": "probe"})
        assert recv(ws) == {"type": "pong", "id": "probe"}
    assert streaming.client.get(f"/api/activations/{activation['id']}").json() == first.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "status"),
        ({"status": "pending"}, "status"),
        ({"status": "overlay"}, "status"),
        ({"status": "drawn"}, "status"),
        ({"status": "shown", "drawnAt": "yesterday"}, "drawnAt"),
        ({"status": "shown", "drawnAt": "2025-01-01T10:00:00"}, "drawnAt"),  # no time zone
        ({"status": "failed", "drawnAt": "2025-01-01T10:00:00Z"}, "body"),
        ({"status": "shown", "agentId": "me"}, "agentId"),
        ({"status": "failed", "reason": "x" * 501}, "reason"),
        ({"status": "shown", "colour": "red"}, "colour"),
    ],
)
def test_bad_reports_are_refused_and_change_nothing(streaming: TestCreator, body: dict, field: str):
    activation = fired(streaming)
    response = report(streaming, activation["id"], **body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == field
    assert error["error"].startswith("Invalid ")
    assert error["hint"]
    stored = streaming.client.get(f"/api/activations/{activation['id']}").json()
    assert stored["delivery"] == PENDING


def test_another_creators_activation_is_not_found(streaming: TestCreator, make_creator):
    activation = fired(streaming)
    other = make_creator()
    for response in (
        other.client.get(f"/api/activations/{activation['id']}"),
        report(other, activation["id"], status="shown"),
    ):
        assert response.status_code == 404
        assert response.json() == {
            "error": "No activation with that id.",
            "code": "not_found",
            "hint": "Check the id and that you own it.",
        }
    assert streaming.client.get(f"/api/activations/{activation['id']}").json() == activation
    assert streaming.client.get("/api/activations/act_nothing").status_code == 404


def test_activations_need_a_sign_in(server: LiveServer, streaming: TestCreator):
    import httpx

    activation = fired(streaming)
    anonymous = httpx.get(f"{server.url}/api/activations/{activation['id']}")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"]
