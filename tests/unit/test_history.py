"""The history's pages (streamfx_server/history.py) on a real database: each is one index
seek and `limit` rows however long the history grows, and `since` misses nothing, also
activations recorded long after they happened (journal replays)."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from streamfx_server import history
from streamfx_server.app import build_state
from streamfx_server.infra.ids import iso
from streamfx_server.infra.migrations import migrations
from streamfx_server.infra.settings import Settings
from streamfx_server.state import AppState
from tests.support.rows import add_creator

HOUR_MS = 3_600_000
# A moment well inside the journal's 24-hour window from the rows made below.
T0 = 1_750_000_000_000


def add_rows(
    state: AppState,
    creator_id: str,
    triggered_ms: list[int],
    prefix: str,
    recorded_ms: list[int] | None = None,
) -> list[str]:
    """Activations recorded in this order, each triggered at its moment (ms), recorded
    then too unless `recorded_ms` says when (a journal replay's is later)."""
    ids = [f"act_{prefix}{n}" for n in range(len(triggered_ms))]
    with state.db.write() as conn:
        conn.executemany(
            "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, "
            "triggered_at, triggered_ms, source, render, expires_ms, delivery_status, "
            "recorded_ms) VALUES (?, 'fx_flash', ?, ?, ?, ?, 'api', '{}', ?, 'shown', ?)",
            [
                (
                    activation_id,
                    f"ss_{creator_id}",
                    creator_id,
                    iso(datetime.fromtimestamp(at / 1000, UTC)),
                    at,
                    at + 5000,
                    recorded,
                )
                for activation_id, at, recorded in zip(
                    ids, triggered_ms, recorded_ms or triggered_ms, strict=True
                )
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


def page_costs(state: AppState, per_creator: int) -> dict[str, int]:
    """Two creators' histories of `per_creator` activations each, one a second, recorded
    in turn; what each kind of page costs 500 activations from the end."""
    add_creator(state, "cr_a")
    add_creator(state, "cr_b")
    moments = [T0 + 1000 * n for n in range(per_creator)]
    for start in range(0, per_creator, 50_000):
        add_rows(state, "cr_a", moments[start : start + 50_000], f"a{start}_")
        add_rows(state, "cr_b", moments[start : start + 50_000], f"b{start}_")
    middle = per_creator - 500
    cursor = history.cursor_of(f"act_a{middle // 50_000 * 50_000}_{middle % 50_000}")
    since = datetime.fromtimestamp(moments[middle] / 1000, UTC)
    reads: dict[str, Callable[[sqlite3.Connection], Any]] = {
        "first page": lambda c: history.session_page(c, "cr_a", "ss_cr_a", None, 100),
        "page after a cursor": lambda c: history.session_page(c, "cr_a", "ss_cr_a", cursor, 100),
        "newest first": lambda c: history.session_page(c, "cr_a", "ss_cr_a", None, 100, "newest"),
        "creator's, after": lambda c: history.creator_page(c, "cr_a", None, cursor, 100),
        "creator's, since": lambda c: history.creator_page(c, "cr_a", since, None, 100),
    }
    return {name: cost(state, read) for name, read in reads.items()}


def test_a_page_costs_the_same_at_200_000_rows_as_at_2_000(tmp_path: Path):
    small_state = build_state(Settings(data_dir=tmp_path / "small"))
    large_state = build_state(Settings(data_dir=tmp_path / "large"))
    try:
        small = page_costs(small_state, 1000)
        large = page_costs(large_state, 100_000)
    finally:
        small_state.db.close()
        large_state.db.close()
    for name, steps in small.items():
        # One b-tree level more is a few steps per seek; a scan would be 100 times more.
        assert large[name] < steps * 1.2 + 200, (name, steps, large[name])


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
    recordings: list[int] = []
    for _ in range(400):
        recorded += rng.randrange(0, 20 * 60_000)
        recordings.append(recorded)
        kind = rng.random()
        if kind < 0.2:  # a journal replay: up to 24 hours late
            moments.append(recorded - rng.randrange(0, 24 * HOUR_MS))
        elif kind < 0.3:  # its drawing computer's clock up to 5 s ahead
            moments.append(recorded + rng.randrange(5000))
        else:  # a live fire
            moments.append(recorded)
    ids = add_rows(state, "cr_a", moments, "r", recordings)
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


def test_rows_from_before_m010_are_listed_and_found_by_since(tmp_path: Path):
    """An upgraded database: its rows get a recording time no earlier than the real one
    (a keyed row may be a journal replay, up to 24 hours and 5 s late), so `since`
    still finds them, and they fire again with the effect's own params."""
    db = sqlite_utils.Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m010_activation_history")
    db.execute(
        "INSERT INTO creators (id, email, display_name, password_hash, created_at, updated_at) "
        "VALUES ('cr_1', 'a@example.com', 'A', 'x', 't', 't')"
    )
    db.execute(
        "INSERT INTO stream_sessions (id, creator_id, platform, status, start_time) "
        "VALUES ('ss_1', 'cr_1', 'twitch', 'active', 't')"
    )
    for activation_id, at, key in (("act_live", T0, None), ("act_keyed", T0 - HOUR_MS, "k1")):
        db.execute(
            "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, "
            "triggered_at, triggered_ms, source, render, idempotency_key, expires_ms) "
            "VALUES (?, 'fx_flash', 'ss_1', 'cr_1', ?, ?, 'api', '{}', ?, ?)",
            (activation_id, iso(datetime.fromtimestamp(at / 1000, UTC)), at, key, at + 5000),
        )
    migrations.apply(db)
    assert db.execute(
        "SELECT id, recorded_ms FROM effect_activations ORDER BY rowid"
    ).fetchall() == [
        ("act_live", T0),
        ("act_keyed", T0 - HOUR_MS + 24 * HOUR_MS + 5000),
    ]
    db.close()

    conn = sqlite3.connect(tmp_path / "old.db")
    conn.row_factory = sqlite3.Row
    since = datetime.fromtimestamp((T0 - 2 * HOUR_MS) / 1000, UTC)
    listed = history.creator_page(conn, "cr_1", since, None, 10)["activations"]
    assert [a["id"] for a in listed] == ["act_live", "act_keyed"]
    assert history.again_of(conn, "cr_1", "act_keyed") == history.Again("fx_flash", {})
    conn.close()
