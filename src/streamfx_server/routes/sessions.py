"""Stream sessions: start, pause, resume, end, status and history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from streamfx_wire.vocabulary import Platform

from .. import event_log, history, rule_firing, session_reports, sessions
from ..deps import DB, CurrentCreator, State
from ..history import ActivationPage, Order
from ..infra.ids import now
from ..schemas import ApiModel
from ..session_reports import SessionReport
from ..sessions import SessionOut
from ..state import AppState
from .activations import BAD_PAGE, PageAfter, PageLimit

router = APIRouter(prefix="/api/sessions", tags=["sessions"])

_NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such session, or it belongs to someone else"}
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Not possible in the session's current state"}
}


class StartIn(ApiModel):
    platform: Platform
    brand_kit_id: Annotated[str, Field(max_length=100)] | None = None
    title: Annotated[str, Field(max_length=140)] | None = None


class SessionRef(ApiModel):
    session_id: Annotated[str, Field(min_length=1, max_length=100)]


@router.post(
    "/start",
    status_code=201,
    response_model=SessionOut,
    responses={404: {"description": "Unknown brand kit"}, 409: {"description": "One is live"}},
)
def start(body: StartIn, creator: CurrentCreator, state: State, db: DB) -> SessionOut:
    with event_log.write(db, state.hub) as tx:
        out = sessions.start(
            tx.conn,
            creator.id,
            body.platform,
            body.brand_kit_id,
            body.title,
            state.settings.clock.now(),
        )
        tx.push(creator.id, sessions.updated_event(out))
    # After COMMIT: the creator's `started` rules (docs/RULES.md "Session rules").
    rule_firing.fire_session_rules(state, creator.id, out, "started")
    return out


# The session rule each transition fires (rule_triggers.SessionEvent).
_EVENT_OF = {"pause": "paused", "resume": "resumed", "end": "ended"}


def _transition(state: AppState, creator_id: str, session_id: str, action: str) -> SessionOut:
    with event_log.write(state.db, state.hub) as tx:
        out = sessions.transition(
            tx.conn, creator_id, session_id, action, state.settings.clock.now()
        )
        tx.push(creator_id, sessions.updated_event(out))
    rule_firing.fire_session_rules(state, creator_id, out, _EVENT_OF[action])
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
def status(session_id: str, creator: CurrentCreator, state: State) -> SessionOut:
    row = sessions.own(state.db.conn(), creator.id, session_id)
    return sessions.session_out(row, state.settings.clock.now())


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
    return sessions.listing(db.conn(), creator.id, status, limit)


@router.get("/{session_id}/report", response_model=SessionReport, responses=_NOT_YOURS)
def report(session_id: str, creator: CurrentCreator, db: DB) -> SessionReport:
    """Live and paused time, effects by effect, category, source and delivery, the
    delivery rate, latency percentiles and a 10-minute timeline (docs/REPORTS.md)."""
    with db.snapshot() as conn:
        return session_reports.report(conn, creator.id, session_id, now())


class SessionDeleted(ApiModel):
    session_id: str
    activations_deleted: int = Field(
        description="Activations (with their delivery) deleted with it."
    )


@router.delete(
    "/{session_id}",
    response_model=SessionDeleted,
    responses={**_NOT_YOURS, 409: {"description": "The session is live or paused; end it first"}},
)
def delete_session(session_id: str, creator: CurrentCreator, db: DB) -> SessionDeleted:
    """Delete an ended session and its activations. Nothing is pushed: live clients show
    the live session, never an ended one."""
    with db.write() as conn:
        deleted = sessions.remove(conn, creator.id, session_id)
    return SessionDeleted(session_id=session_id, activations_deleted=deleted)


@router.get(
    "/{session_id}/activations",
    response_model=ActivationPage,
    responses={**_NOT_YOURS, **BAD_PAGE},
)
def session_activations(
    session_id: str,
    creator: CurrentCreator,
    db: DB,
    after: PageAfter = None,
    limit: PageLimit = history.DEFAULT_LIMIT,
    order: Annotated[
        Order, Query(description="`oldest` first (the default) or `newest` first.")
    ] = "oldest",
) -> dict[str, Any]:
    """The session's activations, each with its delivery, keyset-paged (`next`, then
    `after`; docs/EFFECTS.md "History")."""
    conn = db.conn()
    sessions.own(conn, creator.id, session_id)
    return history.session_page(conn, creator.id, session_id, after, limit, order)
