"""`triggering.trigger_async` in-process: cheap cooldowns over a long history, publish after commit."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from streamfx_server.errors import APIError
from streamfx_server.state import AppState
from streamfx_server.triggering import trigger_async
from tests.support.rows import add_creator

HISTORY = 1_000_000


def trigger(state: AppState, *args: Any) -> dict[str, Any]:
    """Fire through the real (group-commit) path from a test's plain function."""
    return asyncio.run(trigger_async(state, *args))


def test_a_million_past_activations_do_not_slow_the_cooldown_check(state: AppState):
    creator = add_creator(state)
    now_ms = int(time.time() * 1000)
    with state.db.write() as conn:
        # Three effects fired in turn, one every 10 ms, ending ~10 s ago: every cooldown is over.
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, triggered_at, "
            "triggered_ms, source, render) "
            "SELECT 'act_' || i, CASE i % 3 WHEN 0 THEN 'fx_confetti' WHEN 1 THEN 'fx_shake' "
            "ELSE 'fx_flash' END, ?, ?, '2026-01-01T00:00:00.000Z', ? - (? - i) * 10, 'api', '{}' "
            "FROM n",
            (HISTORY, f"ss_{creator.id}", creator.id, now_ms - 10_000, HISTORY),
        )
    assert state.db.one("SELECT COUNT(*) FROM effect_activations")[0] == HISTORY

    # Timed in CPU seconds of this process: a scan costs them however busy the machine
    # is, while the wall clock also counts the time other processes had the CPU.
    started = time.process_time()
    activation = trigger(state, creator, "confetti", None, None, "hotkey")
    first = time.process_time() - started
    assert activation["render"]["animation"] == "confetti"

    started = time.process_time()
    with pytest.raises(APIError) as info:
        trigger(state, creator, "confetti", None, None, "hotkey")
    refused = time.process_time() - started
    assert info.value.status == 429
    assert 0 < info.value.extra["retryAfterMs"] <= 1000
    # A scan of a million rows takes far longer than this on any machine.
    assert first < 0.25, first
    assert refused < 0.05, refused


def test_the_cooldown_query_is_an_index_seek(state: AppState):
    plan = state.db.all(
        "EXPLAIN QUERY PLAN SELECT MAX(triggered_ms) FROM effect_activations "
        "WHERE creator_id = ? AND effect_id = ?",
        ("cr_a", "fx_confetti"),
    )
    detail = " ".join(row["detail"] for row in plan)
    assert "idx_activations_cooldown" in detail
    assert "SCAN" not in detail


def test_what_is_published_follows_the_commit(state: AppState):
    creator = add_creator(state)
    activation = trigger(state, creator, "flash", f"ss_{creator.id}", {"opacity": 0.5}, "cli")
    messages = state.hub.messages  # type: ignore[attr-defined]
    assert messages[0] == {"type": "effect.triggered", "activation": activation, "seq": 1}
    assert messages[1]["type"] == "session.updated"
    assert messages[1]["seq"] == 2
    assert messages[1]["session"]["metrics"]["effectsTriggered"] == 1
    assert activation["render"]["opacity"] == 0.5


def test_refusals_publish_nothing_and_store_nothing(state: AppState):
    creator = add_creator(state)
    for effect, params, source, status in [
        ("nope", None, "api", 404),
        ("flash", {"opacity": 3}, "api", 422),
        ("flash", None, "pager", 422),
    ]:
        with pytest.raises(APIError) as info:
            trigger(state, creator, effect, None, params, source)
        assert info.value.status == status
    assert state.hub.messages == []  # type: ignore[attr-defined]
    assert state.db.one("SELECT COUNT(*) FROM effect_activations")[0] == 0
