"""`Database.run_async`: jobs share transactions, yet each is all-or-nothing, sees the ones
before it, and is answered only once committed."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator

import anyio
import pytest

from streamfx_server.errors import APIError
from streamfx_server.infra.db import Database
from streamfx_server.state import AppState
from streamfx_server.triggering import trigger_async
from tests.support.rows import add_creator
from tests.support.waiting import wait_until_async


@pytest.fixture
def db(tmp_path) -> Iterator[Database]:
    database = Database(tmp_path / "t.db")
    with database.write() as conn:
        conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    yield database
    database.close()


def _committed(db: Database) -> list[int]:
    """The rows another connection sees: only what has been committed."""
    with sqlite3.connect(db.path) as other:
        return [row[0] for row in other.execute("SELECT n FROM t ORDER BY n")]


def test_jobs_that_arrive_together_share_one_commit_but_fail_alone(db: Database) -> None:
    seen_outside: list[list[int]] = []

    def insert(n: int):
        def job(conn: sqlite3.Connection) -> int:
            conn.execute("INSERT INTO t (n) VALUES (?)", (n,))
            seen_outside.append(_committed(db))
            if n == 3:
                raise ValueError("job 3 fails after writing")
            return conn.execute("SELECT COUNT(*) FROM t").fetchone()[0]

        return job

    async def main() -> list[object]:
        jobs = (db.run_async(insert(n)) for n in range(6))
        return await asyncio.gather(*jobs, return_exceptions=True)

    results = asyncio.run(main())
    assert isinstance(results[3], ValueError)
    # Each job sees the writes of the ones before it, but not job 3's, which was undone.
    assert results[:3] + results[4:] == [1, 2, 3, 4, 5]
    assert _committed(db) == [0, 1, 2, 4, 5]
    # While the jobs ran, nothing was committed yet: one transaction, one COMMIT.
    assert seen_outside == [[]] * 6


def test_an_answer_means_committed(db: Database) -> None:
    def job(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO t (n) VALUES (42)")
        return 42

    async def main() -> int:
        return await db.run_async(job)

    assert asyncio.run(main()) == 42
    assert _committed(db) == [42]


def test_what_was_committed_is_published_even_if_the_caller_went_away(db: Database) -> None:
    ran = threading.Event()
    published: list[int] = []

    def job(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO t (n) VALUES (7)")
        ran.set()
        return 7

    async def main() -> None:
        caller = asyncio.create_task(db.run_async(job, after=published.append))
        while not ran.is_set():  # the job has run; its COMMIT is on its way
            await asyncio.sleep(0)
        caller.cancel()
        for _ in range(500):
            if published:
                break
            await asyncio.sleep(0.01)
        assert caller.cancelled()

    asyncio.run(main())
    assert published == [7]
    assert _committed(db) == [7]


def test_a_batch_commits_while_every_worker_thread_waits_for_it(db: Database) -> None:
    """The server's worker threads (the `def` endpoints) may all be waiting for the write
    lock that a batch holds: the batch's COMMIT must not need one of them."""
    go = threading.Event()
    waiting: list[int] = []

    def other_writer(n: int) -> None:
        waiting.append(n)
        go.wait(10)
        with db.write() as conn:
            conn.execute("INSERT INTO t (n) VALUES (?)", (n,))

    def job(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t (n) VALUES (0)")
        go.set()  # the batch holds the write lock: every worker thread now waits for it

    async def main() -> int:
        workers = anyio.to_thread.current_default_thread_limiter().total_tokens
        others = [
            asyncio.create_task(anyio.to_thread.run_sync(other_writer, n))
            for n in range(1, int(workers) + 1)
        ]
        # All of them started, holding every worker thread.
        await wait_until_async(
            lambda: len(waiting) == len(others), 10, "every worker", pause=asyncio.sleep
        )
        await asyncio.wait_for(db.run_async(job), 10)
        await asyncio.wait_for(asyncio.gather(*others), 10)
        return len(others)

    others = asyncio.run(main())
    assert _committed(db) == list(range(others + 1))


def test_simultaneous_triggers_on_the_event_loop_respect_the_cooldown(state: AppState) -> None:
    """Twenty at once of an effect with a cooldown, grouped into one batch: one fires."""
    creator = add_creator(state)

    async def fire() -> int:
        try:
            await trigger_async(state, creator, "confetti", None, None, "hotkey")
        except APIError as exc:
            return exc.status
        return 201

    async def main() -> list[int]:
        return sorted(await asyncio.gather(*(fire() for _ in range(20))))

    assert asyncio.run(main()) == [201] + [429] * 19
    assert state.db.one("SELECT COUNT(*) FROM effect_activations")[0] == 1
    metrics = state.db.one("SELECT metrics FROM stream_sessions")[0]
    assert '"effectsTriggered":1' in metrics
