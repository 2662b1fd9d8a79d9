"""The history of activations, page by page, and firing one of them again.

DESIGN.md section 13 (docs/EFFECTS.md "History"):

- A session's activations, oldest first (or newest first), and the creator's across
  sessions from a moment on (`since`), each with its delivery, `limit` to a page.
- Pages are cut by keyset on the table's rowid, the order the server recorded
  activations in, never by OFFSET: a page costs one index seek and `limit` rows
  however long the history is, and a cursor stays right while new activations
  arrive (every new row sorts after every existing one). A journal replay (a fire
  the agent drew while the server was down, replays.py) is listed where it was
  recorded, with the `triggeredAt` of when it happened.
- The cursor (`next`, taken back as `after`) is the last row's activation id in
  base64url: opaque to clients, checked against the caller's own activations (and
  the session, for a session's pages) so it can neither name nor reveal anyone
  else's, and it never goes wrong when rowids are reused after deletes (a reused
  rowid is always above every row that still exists).
- `re_fire`: the same effect with the same params, through the trigger's one path
  (triggering.py) with source `replay`, so the cooldown, the kit's categories and
  the session's state apply exactly as for any fire.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from . import activations
from .activations import ActivationOut
from .errors import APIError
from .identity import Creator
from .replays import CLOCK_SKEW
from .schemas import ApiModel
from .state import AppState
from .triggering import Fired, fire_async

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
# Whatever a cursor decodes to must look like an activation id (infra/ids.py).
_ACTIVATION_ID = re.compile(r"act_[A-Za-z0-9_-]{1,60}")
# How much earlier than it happened an activation may be recorded (5 s: a drawing
# computer's clock ahead of the server's, replays.py).
_EARLIEST_RECORDING_MS = int(CLOCK_SKEW.total_seconds() * 1000)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Order = Literal["oldest", "newest"]


class ActivationPage(ApiModel):
    activations: list[ActivationOut]
    next: str | None = Field(
        description="Pass as `after` for the next page; null when this page reached the end."
    )


@dataclass(frozen=True)
class Position:
    """Where a cursor points: its activation's rowid."""

    rowid: int


def cursor_of(activation_id: str) -> str:
    return base64.urlsafe_b64encode(activation_id.encode()).decode().rstrip("=")


def _bad_cursor() -> APIError:
    message = "This cursor is not one this list gave out, or its activation no longer exists."
    return APIError(
        422,
        "invalid_cursor",
        message,
        hint="Pass the `next` of the page before unchanged, or start again without `after`.",
        details=[{"field": "after", "message": message}],
    )


def position(
    conn: sqlite3.Connection, creator_id: str, cursor: str, session_id: str | None = None
) -> Position:
    """The row a cursor names: the caller's own activation (in `session_id` if given)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        activation_id = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise _bad_cursor() from None
    if not _ACTIVATION_ID.fullmatch(activation_id):
        raise _bad_cursor()
    row = conn.execute(
        "SELECT rowid, session_id FROM effect_activations WHERE id = ? AND creator_id = ?",
        (activation_id, creator_id),
    ).fetchone()
    if row is None or (session_id is not None and row["session_id"] != session_id):
        raise _bad_cursor()
    return Position(row["rowid"])


def _page(rows: list[sqlite3.Row], limit: int) -> dict[str, Any]:
    """`limit` rows and their cursor; one row more was read to know whether there is more."""
    shown = rows[:limit]
    more = len(rows) > limit
    return {
        "activations": [activations.activation_of(r) for r in shown],
        "next": cursor_of(shown[-1]["id"]) if more else None,
    }


def session_page(
    conn: sqlite3.Connection,
    creator_id: str,
    session_id: str,
    after: str | None,
    limit: int,
    order: Order = "oldest",
) -> dict[str, Any]:
    """One page of a session's activations (the session is the caller's: the route checks).

    Over `idx_activations_session` (session_id, then rowid): one seek, then `limit` + 1 rows.
    """
    newest = order == "newest"
    sql = "SELECT rowid, * FROM effect_activations WHERE session_id = ?"
    args: list[Any] = [session_id]
    if after is not None:
        sql += " AND rowid < ?" if newest else " AND rowid > ?"
        args.append(position(conn, creator_id, after, session_id).rowid)
    sql += f" ORDER BY rowid {'DESC' if newest else 'ASC'} LIMIT ?"
    args.append(limit + 1)
    return _page(conn.execute(sql, args).fetchall(), limit)


def since_start(conn: sqlite3.Connection, creator_id: str, since_ms: int) -> int:
    """A rowid below every activation of the creator's triggered at or after `since_ms`.

    An activation happens at most 5 s after the server recorded it (a drawing computer's
    clock ahead, replays.py); rowids follow recording (and `recorded_ms` with them, as
    long as the server's clock does not step back). So the newest row recorded before
    `since` - 5 s (one seek on `idx_activations_recorded`), and every row before it,
    happened before `since`: a safe start. From there only the rows of those 5 s, and
    journal replays recorded since of earlier moments, are passed over.
    """
    row = conn.execute(
        "SELECT rowid FROM effect_activations WHERE creator_id = ? AND recorded_ms < ? "
        "ORDER BY recorded_ms DESC LIMIT 1",
        (creator_id, since_ms - _EARLIEST_RECORDING_MS),
    ).fetchone()
    return 0 if row is None else int(row["rowid"])


def creator_page(
    conn: sqlite3.Connection,
    creator_id: str,
    since: datetime | None,
    after: str | None,
    limit: int,
) -> dict[str, Any]:
    """One page of the creator's activations across sessions, in recorded order, those
    triggered at or after `since` (all, without it). Over `idx_activations_creator`."""
    since_ms = None if since is None else _ms_at_or_after(since)
    if after is not None:
        start = position(conn, creator_id, after).rowid
    elif since_ms is not None:
        start = since_start(conn, creator_id, since_ms)
    else:
        start = 0
    sql = "SELECT rowid, * FROM effect_activations WHERE creator_id = ? AND rowid > ?"
    args: list[Any] = [creator_id, start]
    if since_ms is not None:
        sql += " AND triggered_ms >= ?"
        args.append(since_ms)
    sql += " ORDER BY rowid LIMIT ?"
    args.append(limit + 1)
    return _page(conn.execute(sql, args).fetchall(), limit)


def _ms_at_or_after(moment: datetime) -> int:
    """The first whole millisecond at or after `moment`, exactly (no float rounding): rows
    keep the millisecond they were triggered in (`triggered_ms`, as `triggeredAt` says)."""
    microseconds = (moment - _EPOCH) // timedelta(microseconds=1)
    return -(-microseconds // 1000)


@dataclass(frozen=True)
class Again:
    """What firing an activation again takes from it: its effect and the params it had."""

    effect_id: str
    params: dict[str, Any]


def again_of(conn: sqlite3.Connection, creator_id: str, activation_id: str) -> Again:
    """The creator's own activation, as something to fire again; 404 for anyone else's."""
    row = activations.fetch(conn, creator_id, activation_id)
    return Again(row["effect_id"], json.loads(row["params"]) if row["params"] else {})


async def re_fire(state: AppState, creator: Creator, again: Again) -> Fired:
    """Fire it again now, in the live session, as a fire from anywhere else is fired."""
    return await fire_async(state, creator, again.effect_id, None, again.params, "replay")
