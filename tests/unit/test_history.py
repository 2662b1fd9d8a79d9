"""The history's pages (streamfx_server/history.py) on a real database: each is one index
seek and `limit` rows however long the history grows, and `since` misses nothing, also
activations recorded long after they happened (journal replays)."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from streamfx_server import history
from streamfx_server.infra.ids import iso
from streamfx_server.state import AppState
from tests.support.rows import add_creator

HOUR_MS = 3_600_000
# A moment well inside the journal's 24-hour window from the rows made below.
T0 = 1_750_000_000_000


def add_rows(state: AppState, creator_id: str, triggered_ms: list[int], prefix: str) -> list[str]:
    """Activations recorded in this order, each triggered at its moment (ms)."""
    ids = [f"act_{prefix}{n}" for n in range(len(triggered_ms))]
    with state.db.write() as conn:
        conn.executemany(
            "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, "
            "triggered_at, triggered_ms, source, render, expires_ms, delivery_status) "
            "VALUES (?, 'fx_flash', ?, ?, ?, ?, 'api', '{}', ?, 'shown')",
            [
                (
                    activation_id,
                    f"ss_{creator_id}",
                    creator_id,
                    iso(datetime.fromtimestamp(at / 1000, UTC)),
                    at,
                    at + 5000,
                )
                for activation_id, at in zip(ids, triggered_ms, strict=True)
            ],
        )
    return ids


@contextmanager
def counting_steps(conn: sqlite3.Connection) -> Iterator[Callable[[], int]]:
    """SQLite's virtual-machine steps run meanwhile: a measure of work that no busy
    machine changes."""
    steps = 0

    def step() -> int:
        nonlocal steps
        steps += 1
        return 0

    conn.set_progress_handler(step, 1)
    try:
        yield lambda: steps
    finally:
        conn.set_progress_handler(None, 1)


def cost(state: AppState, read: Callable[[sqlite3.Connection], Any]) -> int:
    conn = state.db.conn()
    with counting_steps(conn) as steps:
        read(conn)
    return steps()


def test_a_page_costs_the_same_at_200_000_rows_as_at_2_000(state: AppState):
    add_creator(state, "cr_a")
    add_creator(state, "cr_b")
    add_rows(state, "cr_a", [T0 + n for n in range(1000)], "a")
    add_rows(state, "cr_b", [T0 + n for n in range(1000)], "b")
    middle = history.cursor_of("act_a500")
    since = datetime.fromtimestamp((T0 + 600) / 1000, UTC)
    reads: dict[str, Callable[[sqlite3.Connection], Any]] = {
        "first page": lambda c: history.session_page(c, "cr_a", "ss_cr_a", None, 100),
        "page after a cursor": lambda c: history.session_page(c, "cr_a", "ss_cr_a", middle, 100),
        "newest first": lambda c: history.session_page(c, "cr_a", "ss_cr_a", None, 100, "newest"),
        "creator's, after": lambda c: history.creator_page(c, "cr_a", None, middle, 100),
        "creator's, since": lambda c: history.creator_page(c, "cr_a", since, None, 100),
    }
    small = {name: cost(state, read) for name, read in reads.items()}

    # 99,000 more for each creator: older history, and newer.
    add_rows(state, "cr_a", [T0 - 100 * HOUR_MS + n for n in range(49_500)], "old")
    add_rows(state, "cr_b", [T0 + 2000 + n for n in range(99_000)], "bnew")
    add_rows(state, "cr_a", [T0 + 2000 + n for n in range(49_500)], "new")
    large = {name: cost(state, read) for name, read in reads.items()}

    for name in reads:
        # One b-tree level more is a few steps per seek; a scan would be 100 times more.
        assert large[name] < small[name] * 1.2 + 200, (name, small[name], large[name])


def plans(state: AppState, read: Callable[[sqlite3.Connection], Any]) -> list[str]:
    conn = state.db.conn()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        read(conn)
    finally:
        conn.set_trace_callback(None)
    return [
        str(row["detail"])
        for sql in statements
        for row in conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    ]


def test_every_page_query_is_an_index_search_without_sorting(state: AppState):
    add_creator(state, "cr_a")
    ids = add_rows(state, "cr_a", [T0 + n for n in range(10)], "a")
    after = history.cursor_of(ids[3])
    since = datetime.fromtimestamp(T0 / 1000, UTC)
    for read in (
        lambda c: history.session_page(c, "cr_a", "ss_cr_a", after, 5),
        lambda c: history.session_page(c, "cr_a", "ss_cr_a", after, 5, "newest"),
        lambda c: history.creator_page(c, "cr_a", since, None, 5),
        lambda c: history.creator_page(c, "cr_a", since, after, 5),
        lambda c: history.creator_page(c, "cr_a", None, None, 5),
    ):
        details = plans(state, read)
        assert details, "no query ran"
        assert all(d.startswith("SEARCH") for d in details), details
        assert not any("TEMP B-TREE" in d for d in details), details


def test_since_misses_nothing_recorded_late(state: AppState):
    """Rows recorded in order, some (journal replays) up to 24 hours after they happened
    and some up to 5 s before: every `since` lists exactly those at or after it."""
    add_creator(state, "cr_a")
    rng = random.Random(1613)
    recorded = T0
    moments: list[int] = []
    for _ in range(400):
        recorded += rng.randrange(0, 20 * 60_000)
        late = rng.random() < 0.2
        moments.append(
            recorded - rng.randrange(0, 24 * HOUR_MS) if late else recorded + rng.randrange(5000)
        )
    ids = add_rows(state, "cr_a", moments, "r")
    conn = state.db.conn()
    for since_ms in [rng.randrange(T0 - 25 * HOUR_MS, recorded + HOUR_MS) for _ in range(40)]:
        since = datetime.fromtimestamp(since_ms / 1000, UTC)
        listed: list[str] = []
        after = None
        while True:
            got = history.creator_page(conn, "cr_a", since, after, 17)
            listed += [a["id"] for a in got["activations"]]
            after = got["next"]
            if after is None:
                break
        # since has millisecond precision here, as the stored moments do.
        expected = [i for i, at in zip(ids, moments, strict=True) if at >= since_ms]
        assert listed == expected, since_ms
