"""Stream sessions: the response model, live duration, the state machine (start, pause, resume,
end), metrics kept up to date on each trigger, and the SQL behind all of it."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from pydantic import Field

from streamfx_wire.live import SESSION_UPDATED

from . import brand_kits, session_pauses
from .errors import APIError, not_found
from .infra.ids import iso, new_id, now, parse_iso
from .schemas import ApiModel


class Metrics(ApiModel):
    effects_triggered: int = 0
    by_effect: dict[str, int] = Field(default_factory=dict, description="Count per effect slug.")
    by_category: dict[str, int] = Field(default_factory=dict)
    last_triggered_at: str | None = None


class SessionOut(ApiModel):
    id: str
    platform: str
    status: str
    brand_kit_id: str | None
    title: str | None
    start_time: str
    end_time: str | None
    paused_at: str | None
    live_duration_seconds: float = Field(description="Time live so far, not counting pauses.")
    metrics: Metrics


def live_seconds(row: sqlite3.Row, at: datetime) -> float:
    end = parse_iso(row["end_time"]) if row["end_time"] else at
    total = (end - parse_iso(row["start_time"])).total_seconds() - row["paused_seconds"]
    if row["paused_at"]:
        total -= (at - parse_iso(row["paused_at"])).total_seconds()
    return round(max(total, 0.0), 3)


def session_out(row: sqlite3.Row, at: datetime | None = None) -> SessionOut:
    return SessionOut(
        id=row["id"],
        platform=row["platform"],
        status=row["status"],
        brand_kit_id=row["brand_kit_id"],
        title=row["title"],
        start_time=row["start_time"],
        end_time=row["end_time"],
        paused_at=row["paused_at"],
        live_duration_seconds=live_seconds(row, at or now()),
        metrics=Metrics.model_validate(json.loads(row["metrics"] or "{}")),
    )


def count_trigger(metrics_json: str, slug: str, category: str, at: str) -> str:
    """The session's metrics JSON after one more activation, triggered at `at` (iso()).

    `lastTriggeredAt` never goes back: a journal replay (replays.py) may be older than
    the fires already counted. iso() writes one fixed-width UTC form, so the later of
    two is the greater text."""
    metrics: dict[str, Any] = json.loads(metrics_json or "{}")
    metrics["effectsTriggered"] = int(metrics.get("effectsTriggered", 0)) + 1
    by_effect = metrics.setdefault("byEffect", {})
    by_effect[slug] = by_effect.get(slug, 0) + 1
    by_category = metrics.setdefault("byCategory", {})
    by_category[category] = by_category.get(category, 0) + 1
    last = metrics.get("lastTriggeredAt")
    metrics["lastTriggeredAt"] = at if last is None or at > last else last
    return json.dumps(metrics, separators=(",", ":"))


EMPTY_METRICS = Metrics().model_dump_json(by_alias=True)


def fetch(conn: sqlite3.Connection, creator_id: str, session_id: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM stream_sessions WHERE id = ? AND creator_id = ?", (session_id, creator_id)
    ).fetchone()


def live(conn: sqlite3.Connection, creator_id: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM stream_sessions WHERE creator_id = ? AND status != 'ended'", (creator_id,)
    ).fetchone()


def own(conn: sqlite3.Connection, creator_id: str, session_id: str) -> sqlite3.Row:
    """The creator's session, or 404 (another creator's session is not found either)."""
    row = fetch(conn, creator_id, session_id)
    if row is None:
        raise not_found("session")
    return row


def updated_event(session: SessionOut) -> dict[str, Any]:
    """The `session.updated` message the creator's live connections get."""
    return {"type": SESSION_UPDATED, "session": session.model_dump(by_alias=True)}


def start(
    conn: sqlite3.Connection,
    creator_id: str,
    platform: str,
    brand_kit_id: str | None,
    title: str | None,
    at: datetime | None = None,
) -> SessionOut:
    """A new active session, started `at` (default: now); at most one session per
    creator is live at a time."""
    moment = at or now()
    if brand_kit_id is not None and not brand_kits.exists(conn, creator_id, brand_kit_id):
        raise not_found("brand kit")
    current = live(conn, creator_id)
    if current is not None:
        raise APIError(
            409,
            "session_live",
            f"You already have {'an' if current['status'] == 'active' else 'a'} "
            f"{current['status']} session; end it before starting another.",
            hint="Run `streamfx session end` first.",
            extra={"sessionId": current["id"]},
        )
    session_id = new_id("ss")
    conn.execute(
        "INSERT INTO stream_sessions (id, creator_id, platform, status, brand_kit_id, title, "
        "start_time, metrics) VALUES (?, ?, ?, 'active', ?, ?, ?, ?)",
        (session_id, creator_id, platform, brand_kit_id, title, iso(moment), EMPTY_METRICS),
    )
    return session_out(own(conn, creator_id, session_id), moment)


_REFUSALS = {
    ("pause", "paused"): "This session is already paused.",
    ("pause", "ended"): "This session has ended, so it cannot be paused.",
    ("resume", "active"): "This session is not paused, so there is nothing to resume.",
    ("resume", "ended"): "This session has ended, so it cannot be resumed.",
    ("end", "ended"): "This session has already ended.",
}


def _refuse(row: sqlite3.Row, action: str) -> None:
    raise APIError(
        409,
        "invalid_transition",
        _REFUSALS[(action, row["status"])],
        hint="Check it with `streamfx session status`.",
        extra={"sessionId": row["id"], "status": row["status"]},
    )


def transition(
    conn: sqlite3.Connection,
    creator_id: str,
    session_id: str,
    action: str,
    at: datetime | None = None,
) -> SessionOut:
    """Pause, resume or end a session `at` (default: now); 409 when its state does not
    allow it."""
    moment = at or now()
    stamp = iso(moment)
    row = own(conn, creator_id, session_id)
    status = row["status"]
    paused_for = (moment - parse_iso(row["paused_at"])).total_seconds() if row["paused_at"] else 0
    if action == "pause" and status == "active":
        conn.execute(
            "UPDATE stream_sessions SET status = 'paused', paused_at = ? WHERE id = ?",
            (stamp, session_id),
        )
        session_pauses.begin(conn, session_id, stamp)
    elif action == "resume" and status == "paused":
        conn.execute(
            "UPDATE stream_sessions SET status = 'active', paused_at = NULL, "
            "paused_seconds = paused_seconds + ? WHERE id = ?",
            (paused_for, session_id),
        )
        session_pauses.finish(conn, session_id, stamp)
    elif action == "end" and status != "ended":
        conn.execute(
            "UPDATE stream_sessions SET status = 'ended', end_time = ?, paused_at = NULL, "
            "paused_seconds = paused_seconds + ? WHERE id = ?",
            (stamp, paused_for, session_id),
        )
        session_pauses.finish(conn, session_id, stamp)
    else:
        _refuse(row, action)
    return session_out(own(conn, creator_id, session_id), moment)


def listing(
    conn: sqlite3.Connection, creator_id: str, status: str | None, limit: int
) -> list[SessionOut]:
    """The creator's sessions, newest first; `status` "live" means active or paused."""
    sql = "SELECT * FROM stream_sessions WHERE creator_id = ?"
    args: list[Any] = [creator_id]
    if status == "live":
        sql += " AND status != 'ended'"
    elif status is not None:
        sql += " AND status = ?"
        args.append(status)
    sql += " ORDER BY start_time DESC, id LIMIT ?"
    args.append(limit)
    at = now()
    return [session_out(r, at) for r in conn.execute(sql, args).fetchall()]


def remove(conn: sqlite3.Connection, creator_id: str, session_id: str) -> int:
    """Delete an ended session and its activations (their delivery records are columns of
    theirs); returns how many activations went with it. 409 for a live or paused one:
    effects may still be fired into it. The event log is per creator, not per session:
    its rows are left to age out (docs/AGENT.md "Event log and resume"), since taking
    some out would leave gaps in the `seq` a reconnecting client resumes from."""
    row = own(conn, creator_id, session_id)
    if row["status"] != "ended":
        raise APIError(
            409,
            "session_not_ended",
            f"This session is {row['status']}; only an ended session can be deleted.",
            hint="End it first with `streamfx session end`.",
            extra={"sessionId": row["id"], "status": row["status"]},
        )
    (count,) = conn.execute(
        "SELECT COUNT(*) FROM effect_activations WHERE session_id = ?", (session_id,)
    ).fetchone()
    # The activations go by ON DELETE CASCADE (migrations m002), in this transaction.
    conn.execute("DELETE FROM stream_sessions WHERE id = ?", (session_id,))
    return int(count)
