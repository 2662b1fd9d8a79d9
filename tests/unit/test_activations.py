"""The delivery record's pure parts: latency, and what a report may say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from streamfx_server.activations import DeliveryReport, latency_ms
from streamfx_server.effects import EffectUpdate

T0 = datetime(2025, 5, 1, 20, 0, 0, tzinfo=UTC)


def test_latency_runs_from_trigger_to_draw_in_whole_milliseconds():
    assert latency_ms(T0, T0 + timedelta(milliseconds=1234.4)) == 1234
    assert latency_ms(T0, T0) == 0


def test_a_drawing_clock_behind_the_servers_gives_no_negative_latency():
    assert latency_ms(T0, T0 - timedelta(seconds=3)) == 0


def test_a_report_in_another_time_zone_is_the_same_moment():
    report = DeliveryReport.model_validate(
        {"status": "shown", "drawnAt": "2025-05-01T22:00:00.250+02:00"}
    )
    assert report.drawn_at is not None
    assert latency_ms(T0, report.drawn_at) == 250


@pytest.mark.parametrize("status", ["failed", "expired", "skipped"])
def test_only_a_drawn_effect_has_a_draw_time(status: str):
    with pytest.raises(ValidationError, match="drawnAt applies only to shown or hidden"):
        DeliveryReport.model_validate({"status": status, "drawnAt": "2025-05-01T20:00:00Z"})


@pytest.mark.parametrize("status", ["pending", "overlay", "done"])
def test_a_report_cannot_move_back_to_pending_or_claim_overlay_pages(status: str):
    with pytest.raises(ValidationError):
        DeliveryReport.model_validate({"status": status})


def test_an_update_names_at_least_one_field_and_none_as_null():
    with pytest.raises(ValidationError, match="at least one field"):
        EffectUpdate.model_validate({})
    with pytest.raises(ValidationError, match="maxDelayMs cannot be null"):
        EffectUpdate.model_validate({"maxDelayMs": None})
    update = EffectUpdate.model_validate({"queueMode": "replace"})
    assert update.model_fields_set == {"queue_mode"}
