"""Timer rules' ticks, on live time (docs/RULES.md "Timers").

A timer's ticks lie on a grid of its session's live seconds: the first at `offsetSeconds`
(default: one `everySeconds`), then every `everySeconds`. Paused time is not live time,
so a pause stops the clock and a resume continues it. Tick k (from 0) has `count` k + 1.

Each timer rule keeps, per session, the mark of its next tick (`timer_next_mark`) and
its session (`timer_session_id`), written in the transaction that fires the tick
(rule_firing.py). Whatever the scheduler missed (the server was down, or busy) is
fired once, as the latest mark passed, and the next mark is the first one still ahead:
a restart never fires a tick twice, and the ticks it missed come as one. A rule made,
changed or switched on mid-session takes its place on the grid at the next mark ahead
(`place`), without firing for the marks already behind.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import sessions
from .infra.db import Database
from .rule_triggers import TimerTrigger


@dataclass(frozen=True)
class Tick:
    """A tick that is due: its number, the live seconds now, and the mark after it."""

    count: int
    live_seconds: float
    next_mark: float


def _trigger(text: str) -> TimerTrigger:
    return TimerTrigger.model_validate(json.loads(text))


def _index_at_or_before(trigger: TimerTrigger, live: float) -> int:
    """The index of the last mark at or before `live` (-1: before the first)."""
    first = trigger.first_mark
    if live < first:
        return -1
    return math.floor((live - first) / trigger.every_seconds)


def _mark(trigger: TimerTrigger, index: int) -> float:
    return trigger.first_mark + index * trigger.every_seconds


def place(
    conn: sqlite3.Connection, creator_id: str, rule_id: str, trigger: Any, at: datetime
) -> None:
    """Set a timer rule's next tick: in the creator's live session, the next mark ahead;
    with none live, none (its first session starts it from the first mark)."""
    if not isinstance(trigger, TimerTrigger):
        return
    session = sessions.live(conn, creator_id)
    if session is None:
        conn.execute(
            "UPDATE rules SET timer_session_id = NULL, timer_next_mark = NULL, timer_count = 0 "
            "WHERE id = ?",
            (rule_id,),
        )
        return
    index = _index_at_or_before(trigger, sessions.live_seconds(session, at))
    conn.execute(
        "UPDATE rules SET timer_session_id = ?, timer_next_mark = ?, timer_count = ? WHERE id = ?",
        (session["id"], _mark(trigger, index + 1), index + 1, rule_id),
    )


def due(rule: sqlite3.Row, session: sqlite3.Row, at: datetime) -> Tick | None:
    """The tick `rule` (its `trigger` and timer columns) owes in its creator's active
    `session` at `at`, if one is due."""
    trigger = _trigger(rule["trigger"])
    if rule["timer_session_id"] == session["id"] and rule["timer_next_mark"] is not None:
        next_mark = float(rule["timer_next_mark"])
    else:
        next_mark = trigger.first_mark  # a session it has not ticked in yet
    live = sessions.live_seconds(session, at)
    if live < next_mark:
        return None
    index = _index_at_or_before(trigger, live)
    return Tick(count=index + 1, live_seconds=live, next_mark=_mark(trigger, index + 1))


def record(conn: sqlite3.Connection, rule_id: str, session_id: str, tick: Tick) -> None:
    """The tick is spent (fired or refused): in the transaction that fired it."""
    conn.execute(
        "UPDATE rules SET timer_session_id = ?, timer_next_mark = ?, timer_count = ? WHERE id = ?",
        (session_id, tick.next_mark, tick.count, rule_id),
    )


# Each enabled timer rule with its creator's active session, in one row: the rule's
# `trigger` and timer columns, and the session's own (its `id` among them).
_CANDIDATES = (
    "SELECT r.id AS rule_id, r.trigger, r.timer_session_id, r.timer_next_mark, s.* "
    "FROM rules r JOIN stream_sessions s ON s.creator_id = r.creator_id AND s.status = 'active' "
    "WHERE r.trigger_type = 'timer' AND r.enabled = 1"
)


def due_rule_ids(db: Database, at: datetime) -> list[str]:
    """The timer rules with a tick due at `at` (each is checked again when it fires)."""
    return [str(row["rule_id"]) for row in db.all(_CANDIDATES) if due(row, row, at) is not None]
