"""Each pause of a stream session, as it happened: when it began and when it ended.

`stream_sessions` keeps the sum of a session's pauses (`paused_seconds`, which its live
time is counted from) and the start of the current one (`paused_at`); this table keeps
every pause, so a report can place them on a timeline (docs/REPORTS.md). The session's
transitions (sessions.transition) call `begin` and `finish` in the same transaction.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Pause:
    start: str
    end: str | None  # None: the session is paused now


def begin(conn: sqlite3.Connection, session_id: str, at: str) -> None:
    conn.execute(
        "INSERT INTO session_pauses (session_id, paused_at) VALUES (?, ?)", (session_id, at)
    )


def finish(conn: sqlite3.Connection, session_id: str, at: str) -> None:
    """End the session's open pause (resumed, or ended while paused), if it has one."""
    conn.execute(
        "UPDATE session_pauses SET resumed_at = ? WHERE session_id = ? AND resumed_at IS NULL",
        (at, session_id),
    )


def of_session(conn: sqlite3.Connection, session_id: str) -> list[Pause]:
    """The session's pauses, oldest first."""
    rows = conn.execute(
        "SELECT paused_at, resumed_at FROM session_pauses WHERE session_id = ? ORDER BY paused_at",
        (session_id,),
    ).fetchall()
    return [Pause(row[0], row[1]) for row in rows]
