"""`streamfx fire` reports the delivery after drawing; a report the server does not take
changes nothing of what `fire` says (docs/CLI.md). The report that works is tested end to
end in tests/cli/test_fire_delivery.py."""

from __future__ import annotations

from typing import Any

import pytest

from streamfx_cli.errors import APIError, ServerUnreachable, StreamFXError
from streamfx_cli.firing import _report_delivery

ACTIVATION: dict[str, Any] = {
    "id": "act_1",
    "triggeredAt": "2026-01-02T03:04:05.000Z",
    "delivery": {
        "status": "pending",
        "reason": None,
        "agentId": None,
        "drawnAt": None,
        "latencyMs": None,
    },
}


class RefusingApi:
    def __init__(self, error: StreamFXError) -> None:
        self.error = error
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def report_delivery(self, activation_id: str, **report: Any) -> Any:
        self.calls.append((activation_id, report))
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        ServerUnreachable("The StreamFX server at http://127.0.0.1:1 could not be reached."),
        APIError(409, "delivery_reported", "This activation's delivery was already reported."),
    ],
    ids=["server gone", "refused"],
)
def test_a_report_that_fails_only_warns_and_keeps_what_was_seen(
    error: StreamFXError, capsys: pytest.CaptureFixture[str]
) -> None:
    api = RefusingApi(error)
    report = {"status": "shown", "reason": None, "drawn_at": "2026-01-02T03:04:05.250+00:00"}
    kept = _report_delivery(api, ACTIVATION, report)  # type: ignore[arg-type]

    assert api.calls == [("act_1", {**report, "timeout": 2.0})]
    assert kept["delivery"] == {
        "status": "shown",
        "reason": None,
        "agentId": None,
        "drawnAt": "2026-01-02T03:04:05.250+00:00",
        "latencyMs": 250,
    }
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"warning: the server did not record whether it was shown: {error.message}\n"


def test_a_failure_that_could_not_be_reported_has_no_draw_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    api = RefusingApi(ServerUnreachable("Gone."))
    kept = _report_delivery(api, ACTIVATION, {"status": "failed", "reason": "OBS is down."})  # type: ignore[arg-type]
    assert kept["delivery"]["status"] == "failed"
    assert kept["delivery"]["drawnAt"] is None and kept["delivery"]["latencyMs"] is None
    assert capsys.readouterr().err.count("\n") == 1
