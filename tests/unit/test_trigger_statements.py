"""The SQL a trigger runs: a live fire keeps its benchmarked statements (docs/BENCHMARKS.md),
and a journal replay (replays.py) differs only where it must."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from streamfx_server.activations import DeliveryReport
from streamfx_server.replays import Replay
from streamfx_server.state import AppState
from streamfx_server.triggering import fire_async
from tests.support.rows import add_creator

# Each statement by its verb and first table: what the hot path pays for.
LIVE_FIRE = [
    "SELECT effects",  # the effect (id or slug)
    "SELECT stream_sessions",  # the live session
    "SELECT brand_kits",  # the session's or active kit
    "SELECT effect_activations",  # the cooldown (shake has one)
    "INSERT effect_activations",
    "UPDATE stream_sessions",  # the metrics
    "UPDATE creators",  # the event log's seq
    "INSERT events",
]


def _shape(sql: str) -> str:
    words = sql.split()
    return f"{words[0]} {next(w for w in words if w in _TABLES)}"


_TABLES = {"effects", "stream_sessions", "brand_kits", "effect_activations", "creators", "events"}


def _statements(state: AppState, fire: Callable[[], Awaitable[object]]) -> list[str]:
    """The data statements of `fire`, on the group commit's connection."""
    seen: list[str] = []
    creator = add_creator(state, "cr_warm")

    async def main() -> None:
        # A first job opens the writer's connection.
        await fire_async(state, creator, "flash", None, None, "api")
        # White-box on purpose: the writer's connection is where the trigger's SQL runs.
        conn = state.db._loop_writer._conn  # type: ignore[union-attr]
        conn.set_trace_callback(seen.append)
        try:
            await fire()
        finally:
            conn.set_trace_callback(None)

    asyncio.run(main())
    data = [s for s in seen if s.split()[0] in ("SELECT", "INSERT", "UPDATE")]
    return [_shape(s) for s in data]


def test_a_live_fire_runs_only_its_benchmarked_statements(state: AppState) -> None:
    creator = add_creator(state)
    assert (
        _statements(state, lambda: fire_async(state, creator, "shake", None, None, "api"))
        == LIVE_FIRE
    )


def test_a_replay_differs_only_in_its_session_and_skips_the_cooldown(state: AppState) -> None:
    creator = add_creator(state)
    with state.db.write() as conn:  # live since an hour ago
        started = (datetime.now(UTC) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        conn.execute("UPDATE stream_sessions SET start_time = ?", (started,))

    def replay() -> Awaitable[object]:
        moment = datetime.now(UTC) - timedelta(minutes=1)
        delivery = DeliveryReport(status="shown")
        return fire_async(
            state, creator, "shake", None, None, "cli", "journal-1", Replay(moment, delivery)
        )

    assert _statements(state, replay) == [
        "SELECT effect_activations",  # the idempotency key, as for any keyed trigger
        "SELECT effects",
        "SELECT stream_sessions",  # the session live at occurredAt
        "SELECT brand_kits",
        "INSERT effect_activations",  # with its delivery
        "UPDATE stream_sessions",
        "UPDATE creators",
        "INSERT events",
    ]
