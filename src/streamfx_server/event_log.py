"""The event log: every message pushed to a creator's live connections, numbered and kept.

Each pushed message gets `seq`, one more than the creator's last (`creators.last_seq`),
and is written to `events` in the transaction of the change it reports: a committed
change always has its event, an event always its change (docs/AGENT.md, "Event log
and resume"). A client that reconnects with `since` is sent what it missed from here
(routes/ws_resume.py).

`record` is the only way to make an event, and the hub's `publish` only takes what
`record` made, so no pushed message can skip the log. Publishing happens after COMMIT
and before this process's next writer begins (`Database.write(after=…)`, and the
group commit's `after`), so events reach the hub in seq order.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from streamfx_wire.live import CONTROL_ONLY_EVENTS

from .infra.db import Database
from .infra.hub import Hub

# What the log keeps (docs/AGENT.md): at least a day, and beyond that at most the
# newest 10,000 events of each creator.
KEEP_SECONDS = 24 * 3600
KEEP_COUNT = 10_000
# Rows deleted per transaction when pruning: the write lock is never held for long.
PRUNE_BATCH = 500


@dataclass(frozen=True)
class Event:
    """One logged event: `text` is the message as sent, `seq` included. A
    `control_only` event (the creator's own settings and effects) goes to the
    creator's sign-ins, never to overlay pages (streamfx_wire.live)."""

    creator_id: str
    seq: int
    text: str
    control_only: bool = False

    @property
    def message(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.text)
        return loaded


def _now_ms() -> int:
    return int(time.time() * 1000)


def record(conn: sqlite3.Connection, creator_id: str, message: dict[str, Any]) -> Event:
    """Number `message` and log it, inside the caller's transaction.

    Raises LookupError for an unknown creator (nothing is written)."""
    return record_all(conn, creator_id, [message])[0]


def record_all(
    conn: sqlite3.Connection, creator_id: str, messages: list[dict[str, Any]]
) -> list[Event]:
    """`record` for several messages at once, numbered in order: one UPDATE and one
    INSERT however many there are (the trigger's hot path logs two)."""
    if not messages:
        return []
    row = conn.execute(
        "UPDATE creators SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq",
        (len(messages), creator_id),
    ).fetchone()
    if row is None:
        raise LookupError(f"no creator {creator_id!r} to log an event for")
    first = row[0] - len(messages) + 1
    at_ms = _now_ms()
    events = [
        Event(
            creator_id,
            seq,
            json.dumps({**message, "seq": seq}, separators=(",", ":")),
            message["type"] in CONTROL_ONLY_EVENTS,
        )
        for seq, message in enumerate(messages, start=first)
    ]
    rows = ", ".join(["(?, ?, ?, ?, ?)"] * len(events))
    conn.execute(
        f"INSERT INTO events (creator_id, seq, type, payload, created_ms) VALUES {rows}",  # noqa: S608 - placeholders only
        [
            value
            for event, message in zip(events, messages, strict=True)
            for value in (creator_id, event.seq, message["type"], event.text, at_ms)
        ],
    )
    return events


def publish(hub: Hub, events: list[Event]) -> None:
    """Hand committed events to the hub, in the order they were recorded."""
    for event in events:
        hub.publish(event.creator_id, event.seq, event.text, control_only=event.control_only)


def newest(conn: sqlite3.Connection, creator_id: str) -> int:
    """The creator's last seq (0 before the first event)."""
    row = conn.execute("SELECT last_seq FROM creators WHERE id = ?", (creator_id,)).fetchone()
    return int(row[0]) if row is not None else 0


def oldest(conn: sqlite3.Connection, creator_id: str) -> int:
    """The oldest seq the log still holds; `newest + 1` when it holds none."""
    row = conn.execute("SELECT MIN(seq) FROM events WHERE creator_id = ?", (creator_id,)).fetchone()
    if row[0] is not None:
        return int(row[0])
    return newest(conn, creator_id) + 1


def since(conn: sqlite3.Connection, creator_id: str, seq: int, limit: int) -> list[Event]:
    """Up to `limit` logged events after `seq`, oldest first (a range of the primary key)."""
    rows = conn.execute(
        "SELECT seq, payload, type FROM events WHERE creator_id = ? AND seq > ? "
        "ORDER BY seq LIMIT ?",
        (creator_id, seq, limit),
    ).fetchall()
    return [Event(creator_id, row[0], row[1], row[2] in CONTROL_ONLY_EVENTS) for row in rows]


def prune(
    conn: sqlite3.Connection,
    creator_id: str,
    now_ms: int,
    keep_seconds: float = KEEP_SECONDS,
    keep_count: int = KEEP_COUNT,
    batch: int = PRUNE_BATCH,
) -> int:
    """Delete up to `batch` of the creator's events that are both older than
    `keep_seconds` and behind the newest `keep_count`; returns how many went."""
    beyond = newest(conn, creator_id) - keep_count
    if beyond <= 0:
        return 0
    low = conn.execute("SELECT MIN(seq) FROM events WHERE creator_id = ?", (creator_id,)).fetchone()
    if low[0] is None:
        return 0
    # A range of the primary key; seq and created_ms grow together, so the rows old
    # enough are the first ones of that range.
    upto = min(beyond, low[0] + batch - 1)
    cursor = conn.execute(
        "DELETE FROM events WHERE creator_id = ? AND seq <= ? AND created_ms < ?",
        (creator_id, upto, now_ms - int(keep_seconds * 1000)),
    )
    return cursor.rowcount


def prune_all(
    db: Database,
    keep_seconds: float = KEEP_SECONDS,
    keep_count: int = KEEP_COUNT,
    batch: int = PRUNE_BATCH,
) -> int:
    """Prune every creator's log, a short write transaction per batch; returns rows deleted.

    Blocking: run it in a worker thread, never on the event loop."""
    total = 0
    for row in db.all("SELECT id FROM creators WHERE last_seq > ?", (keep_count,)):
        while True:
            with db.write() as conn:
                gone = prune(conn, row["id"], _now_ms(), keep_seconds, keep_count, batch)
            total += gone
            if gone < batch:
                break
    return total


@dataclass
class Outbox:
    """The events of one write transaction, published right after its COMMIT."""

    conn: sqlite3.Connection
    events: list[Event] = field(default_factory=list)

    def push(self, creator_id: str, message: dict[str, Any]) -> Event:
        event = record(self.conn, creator_id, message)
        self.events.append(event)
        return event


@contextmanager
def write(db: Database, hub: Hub) -> Iterator[Outbox]:
    """A write transaction whose pushed events are logged in it and published after it.

    Use it wherever a change is pushed to live connections:

        with event_log.write(state.db, state.hub) as tx:
            out = sessions.start(tx.conn, …)
            tx.push(creator_id, sessions.updated_event(out))
    """
    pending: list[Event] = []
    with db.write(after=lambda: publish(hub, pending)) as conn:
        box = Outbox(conn, pending)
        yield box
