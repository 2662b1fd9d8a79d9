"""Rules' placeholders and timers' live-time grid (docs/RULES.md), as plain functions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from streamfx_server.rule_timers import due
from streamfx_server.rule_triggers import (
    MissingFields,
    ObsTrigger,
    fill,
    placeholders,
    sample_fields,
)

START = datetime(2030, 1, 1, tzinfo=UTC)


def test_a_lone_placeholder_keeps_its_value_and_text_gets_it_written_in():
    params = {
        "particleCount": "{count}",
        "text": "Tick {count} for {who}: {{not a field}}",
        "settings": {"opacity": "{level}"},
        "list": ["{who}", 3],
        "color": "primary",
    }
    fields = {"count": 7, "who": "ada", "level": 0.5}
    assert fill(params, fields) == {
        "particleCount": 7,
        "text": "Tick 7 for ada: {not a field}",
        "settings": {"opacity": 0.5},
        "list": ["ada", 3],
        "color": "primary",
    }
    assert fill({"text": "{tags}"}, {"tags": ["a", "b"]}) == {"text": ["a", "b"]}
    assert fill({"text": "tags: {tags}"}, {"tags": ["a", "b"]}) == {"text": 'tags: ["a","b"]'}


def test_every_missing_field_is_named_with_where_it_is_needed():
    with pytest.raises(MissingFields) as info:
        fill({"text": "{user} raided with {viewers}", "color": "{c}"}, {"viewers": 3})
    assert [(p.where, p.field) for p in info.value.missing] == [
        ("params.text", "user"),
        ("params.color", "c"),
    ]
    assert (
        str(info.value) == "The trigger gave no 'user' for the {user} placeholder in params.text."
    )
    assert [p.field for p in placeholders({"a": {"b": ["{x}"]}})] == ["x"]


def test_what_each_trigger_provides():
    assert set(sample_fields(ObsTrigger(type="obs", event="sceneChanged")) or {}) == {
        "event",
        "scene",
    }
    assert set(sample_fields(ObsTrigger(type="obs", event="streamStarted")) or {}) == {"event"}
    assert sample_fields(object()) is None  # a webhook: whatever its caller sends
    trigger = ObsTrigger(type="obs", event="sceneChanged", scene="BRB")
    assert trigger.matches({"event": "sceneChanged", "scene": "BRB"})
    assert not trigger.matches({"event": "sceneChanged", "scene": "Game"})
    assert not trigger.matches({"event": "streamStarted"})


def _session(live_for: float, paused_for: float = 0.0, paused_now: float = 0.0) -> dict[str, Any]:
    started = START - timedelta(seconds=live_for + paused_for + paused_now)
    paused_at = START - timedelta(seconds=paused_now) if paused_now else None
    return {
        "id": "ss_1",
        "start_time": started.isoformat(),
        "end_time": None,
        "paused_seconds": paused_for,
        "paused_at": paused_at.isoformat() if paused_at else None,
    }


def _rule(every: int, offset: int | None = None, next_mark: float | None = None) -> dict[str, Any]:
    trigger = {"type": "timer", "everySeconds": every}
    if offset is not None:
        trigger["offsetSeconds"] = offset
    return {
        "trigger": json.dumps(trigger),
        "timer_session_id": "ss_1" if next_mark is not None else None,
        "timer_next_mark": next_mark,
    }


@pytest.mark.parametrize(
    ("rule", "live", "paused", "expected"),
    [
        (_rule(60), 59.9, 0, None),  # the first tick after one period
        (_rule(60), 60, 0, (1, 120)),
        (_rule(60, offset=0), 0, 0, (1, 60)),
        (_rule(60, offset=30), 30, 500, (1, 90)),  # paused time does not count
        (_rule(60, next_mark=120), 119, 0, None),
        # Down across 120, 180 and 240: one tick, the latest, and the next mark ahead.
        (_rule(60, next_mark=120), 260, 0, (4, 300)),
    ],
)
def test_the_grid(rule, live: float, paused: float, expected):
    tick = due(rule, _session(live, paused), START)  # type: ignore[arg-type]
    got = None if tick is None else (tick.count, tick.next_mark)
    assert got == expected
