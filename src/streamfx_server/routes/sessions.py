"""Stream sessions: start, pause, resume, end, status and history."""

from __future__ import annotations

import sqlite3
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from streamfx_wire.live import SESSION_UPDATED
from streamfx_wire.vocabulary import Platform

from .. import sessions
from ..deps import DB, CurrentCreator, State
from ..errors import APIError, not_found
from ..ids import iso, new_id, now, parse_iso
from ..schemas import ApiModel
from ..sessions import SessionOut
from ..state import AppState

router = APIRouter(prefix="/api/sessions", tags=["sessions"])

_NOT_YOURS = {404: {"description": "No such session, or it belongs to someone else"}}
_CONFLICT = {409: {"description": "Not possible in the session's current state"}}


class StartIn(ApiModel):
    platform: Platform
    brand_kit_id: Annotated[str, Field(max_length=100)] | None = None
    title: Annotated[str, Field(max_length=140)] | None = None


class SessionRef(ApiModel):
    session_id: Annotated[str, Field(min_length=1, max_length=100)]


def _publish(state: AppState, creator_id: str, session: SessionOut) -> None:
    state.hub.publish(
        creator_id, {"type": SESSION_UPDATED, "session": session.model_dump(by_alias=True)}
    )


def _own(conn: sqlite3.Connection, creator_id: str, session_id: str) -> sqlite3.Row:
    row = sessions.fetch(conn, creator_id, session_id)
    if row is None:
        raise not_found("session")
    return row


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


@router.post(
    "/start",
    status_code=201,
    response_model=SessionOut,
    responses={404: {"description": "Unknown brand kit"}, 409: {"description": "One is live"}},
)
def start(body: StartIn, creator: CurrentCreator, state: State, db: DB) -> SessionOut:
    session_id, stamp = new_id("ss"), iso()
    with db.write() as conn:
        if (
            body.brand_kit_id is not None
            and not conn.execute(
                "SELECT 1 FROM brand_kits WHERE id = ? AND creator_id = ?",
                (body.brand_kit_id, creator.id),
            ).fetchone()
        ):
            raise not_found("brand kit")
        live = sessions.live(conn, creator.id)
        if live is not None:
            raise APIError(
                409,
                "session_live",
                f"You already have a {live['status']} session; end it before starting another.",
                hint="Run `streamfx session end` first.",
                extra={"sessionId": live["id"]},
            )
        conn.execute(
            "INSERT INTO stream_sessions (id, creator_id, platform, status, brand_kit_id, title, "
            "start_time, metrics) VALUES (?, ?, ?, 'active', ?, ?, ?, ?)",
            (
                session_id,
                creator.id,
                body.platform,
                body.brand_kit_id,
                body.title,
                stamp,
                sessions.EMPTY_METRICS,
            ),
        )
        out = sessions.session_out(_own(conn, creator.id, session_id))
    _publish(state, creator.id, out)
    return out


def _transition(state: AppState, creator_id: str, session_id: str, action: str) -> SessionOut:
    moment = now()
    stamp = iso(moment)
    with state.db.write() as conn:
        row = _own(conn, creator_id, session_id)
        status = row["status"]
        paused_for = (
            (moment - parse_iso(row["paused_at"])).total_seconds() if row["paused_at"] else 0
        )
        if action == "pause" and status == "active":
            conn.execute(
                "UPDATE stream_sessions SET status = 'paused', paused_at = ? WHERE id = ?",
                (stamp, session_id),
            )
        elif action == "resume" and status == "paused":
            conn.execute(
                "UPDATE stream_sessions SET status = 'active', paused_at = NULL, "
                "paused_seconds = paused_seconds + ? WHERE id = ?",
                (paused_for, session_id),
            )
        elif action == "end" and status != "ended":
            conn.execute(
                "UPDATE stream_sessions SET status = 'ended', end_time = ?, paused_at = NULL, "
                "paused_seconds = paused_seconds + ? WHERE id = ?",
                (stamp, paused_for, session_id),
            )
        else:
            _refuse(row, action)
        out = sessions.session_out(_own(conn, creator_id, session_id), moment)
    _publish(state, creator_id, out)
    return out


@router.post("/pause", response_model=SessionOut, responses={**_NOT_YOURS, **_CONFLICT})
def pause(body: SessionRef, creator: CurrentCreator, state: State) -> SessionOut:
    return _transition(state, creator.id, body.session_id, "pause")


@router.post("/resume", response_model=SessionOut, responses={**_NOT_YOURS, **_CONFLICT})
def resume(body: SessionRef, creator: CurrentCreator, state: State) -> SessionOut:
    return _transition(state, creator.id, body.session_id, "resume")


@router.post("/end", response_model=SessionOut, responses={**_NOT_YOURS, **_CONFLICT})
def end(body: SessionRef, creator: CurrentCreator, state: State) -> SessionOut:
    return _transition(state, creator.id, body.session_id, "end")


@router.get("/{session_id}/status", response_model=SessionOut, responses=_NOT_YOURS)
def status(session_id: str, creator: CurrentCreator, db: DB) -> SessionOut:
    return sessions.session_out(_own(db.conn(), creator.id, session_id))


@router.get("", response_model=list[SessionOut])
def list_sessions(
    creator: CurrentCreator,
    db: DB,
    status: Annotated[
        Literal["active", "paused", "ended", "live"] | None,
        Query(description="`live` means active or paused."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SessionOut]:
    sql = "SELECT * FROM stream_sessions WHERE creator_id = ?"
    args: list[object] = [creator.id]
    if status == "live":
        sql += " AND status != 'ended'"
    elif status is not None:
        sql += " AND status = ?"
        args.append(status)
    sql += " ORDER BY start_time DESC, id LIMIT ?"
    args.append(limit)
    at = now()
    return [sessions.session_out(r, at) for r in db.all(sql, args)]
