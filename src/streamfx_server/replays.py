"""A journal replay: a fire the OBS agent drew while the server was down, recorded as it
happened (docs/AGENT.md "The local socket and server-down fires").

`POST /api/effects/trigger` with `occurredAt` (and its `idempotencyKey`, and maybe the
`delivery` the agent saw) goes through the trigger's one job (triggering.py) with a
`Replay`: this module holds what differs from a live fire. The moment must lie in the
last 24 hours (the event log's window, docs/AGENT.md "Event log and resume") and at
most 5 s ahead of the server's clock (two computers' clocks drift); the session is
the one that was live at that moment, even if it has ended since; the cooldown is not
checked (the agent applied it from its cache when it drew, and the row's
`triggered_ms` still counts for the fires after it). docs/SECURITY.md says why
skipping the cooldown is acceptable and what bounds it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from . import activations
from .activations import DeliveryReport
from .errors import APIError, not_found
from .infra.ids import iso

# How far back a replay may reach, and how far ahead of the server's clock it may be.
REPLAY_WINDOW = timedelta(hours=24)
CLOCK_SKEW = timedelta(seconds=5)


@dataclass(frozen=True)
class Replay:
    """When the fire happened (UTC), and what the agent saw when it drew it."""

    occurred_at: datetime
    delivery: DeliveryReport | None = None

    @property
    def stamp(self) -> str:
        return iso(self.occurred_at)

    @property
    def at_ms(self) -> int:
        return int(self.occurred_at.timestamp() * 1000)


def replay_of(occurred_at: datetime | None, delivery: DeliveryReport | None) -> Replay | None:
    """The trigger's optional `occurredAt` and `delivery` as a `Replay` (None: a live fire)."""
    if occurred_at is None:
        return None
    return Replay(occurred_at.astimezone(UTC), delivery)


def check_window(replay: Replay, server_now: datetime) -> None:
    """422 unless the moment lies in the last 24 hours and at most 5 s ahead."""
    if replay.occurred_at < server_now - REPLAY_WINDOW:
        raise _out_of_window(
            "occurredAt is more than 24 hours ago, so this fire can no longer be recorded.",
            "Drop this journal entry; a replay must reach the server within 24 hours.",
        )
    if replay.occurred_at > server_now + CLOCK_SKEW:
        raise _out_of_window(
            "occurredAt is more than 5 seconds in the future of the server's clock.",
            "Check this computer's clock (use network time) and send the moment the fire happened.",
        )


def _out_of_window(message: str, hint: str) -> APIError:
    return APIError(
        422,
        "occurred_at_out_of_range",
        message,
        hint=hint,
        details=[{"field": "occurredAt", "message": message}],
    )


def session_at(
    conn: sqlite3.Connection, creator_id: str, session_id: str | None, replay: Replay
) -> sqlite3.Row:
    """The session the fire belongs to: `session_id`, or the creator's session that was
    live at the moment; it must have been live then (started, not yet ended, not in the
    pause it is in now), else the trigger's usual refusals. Another creator's session
    is not found, as for any trigger."""
    stamp = replay.stamp
    if session_id is None:
        # iso() writes every time in one fixed-width UTC form, so text order is time order.
        row = conn.execute(
            "SELECT * FROM stream_sessions WHERE creator_id = ? AND start_time <= ? "
            "AND (end_time IS NULL OR end_time >= ?) ORDER BY start_time DESC LIMIT 1",
            (creator_id, stamp, stamp),
        ).fetchone()
        if row is None:
            raise APIError(
                409,
                "no_live_session",
                "You had no live session at occurredAt to record this fire in.",
                hint="Send the sessionId the fire was made in, or drop this journal entry.",
            )
    else:
        row = conn.execute(
            "SELECT * FROM stream_sessions WHERE id = ? AND creator_id = ?",
            (session_id, creator_id),
        ).fetchone()
        if row is None:
            raise not_found("session")
    _check_live_at(row, stamp)
    return row


def _check_live_at(row: sqlite3.Row, stamp: str) -> None:
    if row["start_time"] > stamp:
        raise APIError(
            409,
            "session_not_started",
            "This session started after occurredAt, so the fire cannot be recorded in it.",
            hint="Send the sessionId of the session that was live when the fire happened.",
            extra={"sessionId": row["id"], "status": row["status"]},
        )
    if row["end_time"] is not None and row["end_time"] < stamp:
        raise APIError(
            409,
            "session_ended",
            "This session had ended before occurredAt, so the fire cannot be recorded in it.",
            hint="Send the sessionId of the session that was live when the fire happened.",
            extra={"sessionId": row["id"], "status": "ended"},
        )
    # Only the pause a session is in now is known (earlier ones are summed into
    # paused_seconds): a fire inside it is refused as a live fire would have been.
    if row["status"] == "paused" and row["paused_at"] is not None and row["paused_at"] <= stamp:
        raise APIError(
            409,
            "session_paused",
            "This session was paused at occurredAt, so effects could not be fired in it.",
            hint="Drop this journal entry; the session was paused when it was made.",
            extra={"sessionId": row["id"], "status": "paused"},
        )


def born_delivered(replay: Replay) -> activations.Outcome | None:
    """The delivery the replayed activation is stored with: the agent's report, judged as
    any report is (activations.judged), from `occurredAt`; a `drawnAt` left out is the
    moment itself. None: no report, so it starts `pending` like any activation."""
    if replay.delivery is None:
        return None
    return activations.judged(replay.delivery, replay.occurred_at, replay.occurred_at)
