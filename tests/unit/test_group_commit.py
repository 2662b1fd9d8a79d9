"""`Database.submit`: jobs share transactions, yet each is all-or-nothing, sees the ones
before it, and is answered only once committed."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from streamfx_server.app import build_state
from streamfx_server.db import Database
from streamfx_server.errors import APIError
from streamfx_server.settings import Settings
from streamfx_server.state import AppState
from streamfx_server.triggering import trigger
from tests.unit.test_triggering import RecordingHub, add_creator


@pytest.fixture
def db(tmp_path) -> Iterator[Database]:
    database = Database(tmp_path / "t.db")
    with database.write() as conn:
        conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    yield database
    database.close()


def test_a_failing_job_is_rolled_back_alone(db: Database) -> None:
    gate = threading.Event()

    def block(conn: sqlite3.Connection) -> None:
        gate.wait(5)  # holds the writer, so the jobs below queue up into one batch

    def insert(n: int):
        def job(conn: sqlite3.Connection) -> int:
            conn.execute("INSERT INTO t (n) VALUES (?)", (n,))
            if n == 3:
                raise ValueError("job 3 fails after writing")
            return n

        return job

    first = db.submit(block)
    futures = [db.submit(insert(n)) for n in range(6)]
    gate.set()
    first.result(5)
    with pytest.raises(ValueError):
        futures[3].result(5)
    assert [f.result(5) for i, f in enumerate(futures) if i != 3] == [0, 1, 2, 4, 5]
    rows = [r[0] for r in db.all("SELECT n FROM t ORDER BY n")]
    assert rows == [0, 1, 2, 4, 5]


def test_an_answer_means_committed(db: Database, tmp_path) -> None:
    def job(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO t (n) VALUES (42)")
        return 42

    assert db.submit(job).result(5) == 42
    with sqlite3.connect(tmp_path / "t.db") as other:  # another connection sees it
        assert other.execute("SELECT n FROM t").fetchall() == [(42,)]


@pytest.fixture
def state(tmp_path) -> Iterator[AppState]:
    built = build_state(Settings(data_dir=tmp_path / "data"))
    built = replace(built, hub=RecordingHub(built.settings.db_path))
    yield built
    built.db.close()


def test_simultaneous_triggers_respect_the_cooldown(state: AppState) -> None:
    """Twenty at once of an effect with a cooldown: grouped or not, exactly one fires."""
    creator = add_creator(state)
    barrier = threading.Barrier(20)

    def fire(_: int) -> int:
        barrier.wait(5)
        try:
            trigger(state, creator, "confetti", None, None, "hotkey")
        except APIError as exc:
            return exc.status
        return 201

    with ThreadPoolExecutor(20) as pool:
        statuses = sorted(pool.map(fire, range(20)))
    assert statuses == [201] + [429] * 19
    assert state.db.one("SELECT COUNT(*) FROM effect_activations")[0] == 1
    metrics = state.db.one("SELECT metrics FROM stream_sessions")[0]
    assert '"effectsTriggered":1' in metrics
