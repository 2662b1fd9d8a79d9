"""SQLite access: one connection per worker thread, explicit write transactions, and
group commit on the event loop for the hot path (`Database.run_async`)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Runs on a committed job's result, right after COMMIT (see Database.run_async).
After = Callable[[Any], Any]
log = logging.getLogger("streamfx.server")

# How many queued jobs one transaction takes at most: bounds the wait of the last one.
MAX_BATCH = 32

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # NORMAL can lose the last commits on power loss; an acknowledged trigger must survive.
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=5000",
    "PRAGMA foreign_keys=ON",
)


def connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so writers queue
    # on the lock up front instead of failing half-way through a transaction.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5.0)
    conn.row_factory = sqlite3.Row
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: dict[threading.Thread, sqlite3.Connection] = {}
        self._lock = threading.Lock()
        # Writers of this process queue here instead of on SQLite's busy handler, which
        # sleeps in growing steps (up to 100 ms) and turns 64 concurrent triggers into
        # seconds of p99. Other processes (the admin CLI) still wait via busy_timeout.
        self._write_lock = threading.Lock()
        self._loop_writer: _LoopWriter | None = None

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._lock:
                # Worker threads come and go (the thread pool retires idle ones): close the
                # connections of threads that have ended, or every new thread would leak
                # one, with its page cache and open files, until the server runs out.
                for thread in [t for t in self._all if not t.is_alive()]:
                    self._all.pop(thread).close()
                self._all[threading.current_thread()] = conn
        return conn

    @contextmanager
    def write(self, after: Callable[[], Any] | None = None) -> Iterator[sqlite3.Connection]:
        """A write transaction; the caller answers 2xx only after this block returns.

        `after`, if given, runs right after COMMIT, before this process's next writer
        may begin: what it publishes goes out in commit order (the group commit's
        `after` keeps the same rule)."""
        conn = self.conn()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            if after is not None:
                after()

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own, in one read transaction: every query in the block sees
        the database as it was at the first one, however long the block takes and whatever
        is written meanwhile (WAL). For an answer made of several queries that must agree (a
        session report) or read in many pages (an export). The WAL
        cannot be checkpointed past that moment until the block ends: one answer only."""
        conn = connect(self.path)
        try:
            conn.execute("BEGIN")
            yield conn
        finally:
            conn.close()  # ends the read transaction; it wrote nothing

    async def run_async(
        self, job: Callable[[sqlite3.Connection], Any], after: After | None = None
    ) -> Any:
        """Run `job(conn)` in a write transaction; return its result (or raise what it
        raised) only after COMMIT. `after(result)`, if given, runs right after the COMMIT
        whether or not the caller still waits (say, to publish what was committed), and
        before this process's next writer may begin, so what it publishes goes out in
        commit order; the caller gets what it returns.

        Jobs that arrive together share one transaction and one COMMIT (one fsync), each
        inside its own SAVEPOINT: a job that raises is rolled back alone. A job sees the
        writes of the jobs before it, so checks such as cooldowns hold. It must use the
        connection it is given, never `write()` (the batch holds that lock).

        The jobs run on the loop itself, one batch at a time; only BEGIN (which may wait
        for the write lock) and COMMIT (the fsync) go to a worker thread. A job is short
        (a few statements on pages SQLite has in memory), and running it here spares
        every statement a hand-over of the GIL between a writer thread and the loop,
        which a busy loop makes wait up to 5 ms each time.
        """
        loop = asyncio.get_running_loop()
        writer = self._loop_writer
        if writer is None or writer.loop is not loop:
            with self._lock:
                if self._loop_writer is not None:
                    self._loop_writer.close()
                writer = self._loop_writer = _LoopWriter(self, loop)
        return await writer.run(job, after)

    def one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return self.conn().execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.conn().execute(sql, params).fetchall()

    def migrate(self) -> None:
        from .migrations import apply_migrations

        self.path.parent.mkdir(parents=True, exist_ok=True)
        apply_migrations(self.path)

    def close(self) -> None:
        with self._lock:
            if self._loop_writer is not None:
                self._loop_writer.close()
                self._loop_writer = None
            for conn in self._all.values():
                conn.close()
            self._all.clear()
        self._local = threading.local()


Job = tuple[Callable[[sqlite3.Connection], Any], "asyncio.Future[Any]", After | None]


class _LoopWriter:
    """Group commit on the event loop (see `Database.run_async`), with a connection of its
    own that only one batch at a time uses: BEGIN on the loop when no other writer holds
    the database (else in a worker thread, which waits), the jobs on the loop, then
    COMMIT in a worker thread while the loop goes on (and gathers the next batch)."""

    def __init__(self, db: Database, loop: asyncio.AbstractEventLoop) -> None:
        self._db = db
        self.loop = loop
        self._conn = connect(db.path)
        self._conn.execute("PRAGMA busy_timeout=0")  # see _begin_here
        self._pending: list[Job] = []
        self._drainer: asyncio.Task[None] | None = None

    async def run(self, job: Callable[[sqlite3.Connection], Any], after: After | None) -> Any:
        future: asyncio.Future[Any] = self.loop.create_future()
        self._pending.append((job, future, after))
        if self._drainer is None:
            self._drainer = self.loop.create_task(self._drain())
        return await future

    def close(self) -> None:
        self._conn.close()

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                await self._commit(batch)
        finally:
            self._drainer = None

    def _begin_here(self) -> bool:
        """BEGIN on the loop when nothing has to be waited for; False if something has.

        This connection's busy timeout is 0, so another process holding the database
        (say, the admin CLI) makes BEGIN fail at once instead of stalling the loop.
        """
        if not self._db._write_lock.acquire(blocking=False):
            return False
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            self._db._write_lock.release()
            return False
        except BaseException:
            self._db._write_lock.release()
            raise
        return True

    def _begin(self) -> None:
        """BEGIN in a worker thread: wait for this process's writers, then other processes'."""
        self._db._write_lock.acquire()
        try:
            self._conn.execute("PRAGMA busy_timeout=5000")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            finally:
                self._conn.execute("PRAGMA busy_timeout=0")
        except BaseException:
            self._db._write_lock.release()
            raise

    def _end(self, sql: str) -> None:
        """ROLLBACK or COMMIT; the write lock is released, except after a COMMIT that
        succeeded: `_commit` releases it once the batch's `after` steps have run."""
        try:
            self._conn.execute(sql)
        except BaseException:
            if sql == "COMMIT" and self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._db._write_lock.release()
            raise
        if sql != "COMMIT":
            self._db._write_lock.release()

    async def _commit(self, batch: list[Job]) -> None:
        # The threads here are asyncio's default executor, which nothing else in the
        # server uses, not the thread pool of the `def` endpoints: those may all be
        # waiting for the write lock this batch holds, and its COMMIT must still run.
        try:
            if not self._begin_here():
                await asyncio.to_thread(self._begin)
        except Exception as exc:
            _fail(batch, exc, "could not begin a write transaction")
            return
        try:
            # A future already done was cancelled: its caller is gone, its job not run.
            done = [
                (future, after, *self._run_one(job))
                for job, future, after in batch
                if not future.done()
            ]
        except BaseException as exc:
            await asyncio.to_thread(self._end, "ROLLBACK")
            _fail(batch, exc, "write transaction failed")
            if not isinstance(exc, Exception):
                raise
            return
        commit = asyncio.ensure_future(asyncio.to_thread(self._end, "COMMIT"))
        try:
            await asyncio.shield(commit)
        except asyncio.CancelledError:
            # The COMMIT goes on in its thread; once it is done, nobody else will
            # release the lock it keeps (see _end).
            commit.add_done_callback(self._release_after_commit)
            raise
        except Exception as exc:
            # Nothing of this batch was committed: every job fails (a 500 for HTTP).
            _fail(batch, exc, "write transaction failed")
            return
        try:
            # Still holding the write lock: no other writer of this process commits
            # before these have run, so events are published in commit order.
            results = [
                (future, *self._after(after, value, error)) for future, after, value, error in done
            ]
        finally:
            self._db._write_lock.release()
        for future, value, error in results:
            if future.done():
                continue
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(error)

    def _release_after_commit(self, commit: asyncio.Future[None]) -> None:
        if not commit.cancelled() and commit.exception() is None:
            self._db._write_lock.release()

    @staticmethod
    def _after(
        after: After | None, value: Any, error: Exception | None
    ) -> tuple[Any, Exception | None]:
        if error is None and after is not None:
            try:  # even if the caller is gone: what was committed is published
                value = after(value)
            except Exception as exc:
                log.exception("after-commit step failed")
                error = exc
        return value, error

    def _run_one(self, job: Callable[[sqlite3.Connection], Any]) -> tuple[Any, Exception | None]:
        """One job in its own SAVEPOINT: if it raises, only its writes are undone."""
        self._conn.execute("SAVEPOINT job")
        try:
            value = job(self._conn)
        except Exception as exc:
            self._conn.execute("ROLLBACK TO job")
            self._conn.execute("RELEASE job")
            return None, exc
        self._conn.execute("RELEASE job")
        return value, None


def _fail(batch: list[Job], exc: BaseException, what: str) -> None:
    log.exception(what)
    for _, future, _ in batch:
        if not future.done():
            future.set_exception(exc)
