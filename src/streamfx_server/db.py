"""SQLite access: one connection per worker thread, explicit write transactions, and a
group-commit writer for the hot path (`Database.submit`)."""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
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
        self._writer: _GroupWriter | None = None

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
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; the caller answers 2xx only after this block returns."""
        conn = self.conn()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def submit(self, job: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Run `job(conn)` inside a write transaction on the writer thread; the future
        completes (with the result, or the exception `job` raised) only after COMMIT.

        Jobs queued together share one transaction and one COMMIT (one fsync), each
        inside its own SAVEPOINT: a job that raises is rolled back alone. A job sees
        the writes of the jobs before it, so checks such as cooldowns hold. It must
        use the connection it is given, never `write()` (the writer holds that lock).
        """
        with self._lock:
            if self._writer is None:
                self._writer = _GroupWriter(self)
            writer = self._writer
        return writer.submit(job)

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
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.stop()
        with self._lock:
            for conn in self._all.values():
                conn.close()
            self._all.clear()
        self._local = threading.local()


class _GroupWriter:
    """One thread that runs queued write jobs, as many as are waiting per transaction.

    Under load this turns N commits (N fsyncs, N turns of the write lock, and N
    handovers of the GIL between threads racing for it) into one, which is where
    the time of a small write goes; alone, a job is committed at once.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._jobs: queue.SimpleQueue[tuple[Callable[[sqlite3.Connection], Any], Future] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="streamfx-writer", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[sqlite3.Connection], T]) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((job, future))
        return future

    def stop(self, timeout: float = 10.0) -> None:
        self._jobs.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        conn = self._db.conn()
        while True:
            first = self._jobs.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._jobs.put(None)  # stop after this batch
                    break
                batch.append(item)
            self._commit(conn, batch)

    def _commit(
        self,
        conn: sqlite3.Connection,
        batch: list[tuple[Callable[[sqlite3.Connection], Any], Future]],
    ) -> None:
        done: list[tuple[Future, Any, BaseException | None]] = []
        try:
            with self._db._write_lock:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for job, future in batch:
                        if not future.set_running_or_notify_cancel():
                            continue
                        conn.execute("SAVEPOINT job")
                        try:
                            value = job(conn)
                        except Exception as exc:
                            conn.execute("ROLLBACK TO job")
                            conn.execute("RELEASE job")
                            done.append((future, None, exc))
                        else:
                            conn.execute("RELEASE job")
                            done.append((future, value, None))
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        except Exception as exc:
            # Nothing of this batch was committed: every job fails (a 500 for HTTP).
            log.exception("write transaction failed")
            for _, future in batch:
                if future.running():
                    future.set_exception(exc)
            return
        for future, value, error in done:
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(error)
