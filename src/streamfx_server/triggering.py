"""Firing an effect: the one implementation behind POST /api/effects/trigger and the WebSocket.

A trigger is a small write (an activation row and the session's metrics) whose
cost is the commit: under load, many arrive at once. `trigger_async` (the API and
the WebSocket) therefore hands each one to the database's group commit
(`Database.run_async`), which runs the waiting ones in one transaction, a
SAVEPOINT each, and answers them after the one COMMIT. Nothing is answered or
published before that COMMIT, and each job sees the ones before it, so cooldowns
hold however triggers are grouped.

A trigger may carry an `idempotencyKey` (docs/AGENT.md: the agent's journal, a
Stream Deck that retries): the first use records the activation; a repeat, even
one in the same group, finds it and answers it again without writing or
publishing anything. Within one server process the group commit runs jobs one
after another, and the UNIQUE index on (creator_id, idempotency_key) holds the
rule against anything else. The events it pushes are logged in the same
SAVEPOINT (event_log.py): two more statements, one UPDATE and one INSERT for both.

A keyed trigger may also carry `occurredAt` (and the `delivery` the agent saw): a
journal replay of a fire drawn while the server was down, recorded as it happened
(replays.py). Only that branch pays for it; a live fire runs the same statements as
before.

A rule's firing (rule_firing.py, docs/RULES.md) runs the same checks in its own job
through `record_for_rule`: source `rule`, the rule's id on the row, and the session the
rule fires in, which for a session rule may be one that was just paused or ended.
"Now" is the server's clock (`Settings.clock`), so tests of timers can move it.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from pydantic import Field

from streamfx_wire.live import EFFECT_TRIGGERED
from streamfx_wire.vocabulary import SOURCES

from . import activations, brand_kits, effects, event_log, replays, sessions
from .brand_kits import brand_of
from .effect_params import ParamsError, at_trigger
from .errors import APIError, not_found
from .identity import Creator, SignIn, creator_for
from .infra.clock import Clock
from .infra.ids import iso, new_id
from .infra.tokens import AccessClaims
from .render import Brand, Effect, resolve
from .replays import Replay
from .state import AppState

# Who fires: a creator already checked, or a sign-in (an access token's claims)
# checked inside the trigger's own transaction.
Who = Creator | SignIn | AccessClaims

# The trigger's optional `idempotencyKey` (HTTP and WebSocket alike).
IdempotencyKey = Annotated[str, Field(min_length=1, max_length=100)]


@dataclass(frozen=True)
class Fired:
    activation: dict[str, Any]
    # True when the idempotency key was used before: `activation` is that first one,
    # and nothing was written or published this time.
    repeated: bool = False


async def trigger_async(
    state: AppState,
    creator: Who,
    effect_id: str,
    session_id: str | None,
    params: Mapping[str, Any] | None,
    source: str,
) -> dict[str, Any]:
    """Fire `effect_id` (id or slug) in `session_id` (None = the creator's live session).

    Returns the activation as sent to clients: {id, effectId, sessionId,
    triggeredAt, source, render, delivery}, once it is committed. Raises APIError
    (401, 404, 409, 403, 422, 429). Grouped with the triggers that arrive with it.
    """
    return (await fire_async(state, creator, effect_id, session_id, params, source)).activation


async def fire_async(
    state: AppState,
    creator: Who,
    effect_id: str,
    session_id: str | None,
    params: Mapping[str, Any] | None,
    source: str,
    idempotency_key: str | None = None,
    replay: Replay | None = None,
) -> Fired:
    """`trigger_async` with an optional idempotency key: a repeat of the key returns the
    first activation (`repeated`) and changes nothing. `replay` (with a key only: the
    route checks) records a journaled fire at the moment it happened (replays.py)."""
    job = _job(
        creator,
        effect_id,
        session_id,
        params,
        source,
        idempotency_key,
        replay,
        state.settings.clock,
    )
    result: Fired = await state.db.run_async(job, after=partial(published, state))
    return result


_INSERT = (
    "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, triggered_at, "
    "triggered_ms, source, render, idempotency_key, expires_ms, params, recorded_ms, rule_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# A journal replay with the agent's `delivery` (replays.py): the same row, already reported.
_INSERT_DELIVERED = (
    "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, triggered_at, "
    "triggered_ms, source, render, idempotency_key, expires_ms, params, recorded_ms, rule_id, "
    "delivery_status, delivery_reason, delivery_agent_id, drawn_at, latency_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class Recorded:
    """A new activation as answered, and the logged events that report it."""

    activation: dict[str, Any]
    events: list[event_log.Event]


# What a job returns: a new activation to publish, or the first one of a repeated key.
Outcome = Recorded | Fired


def _job(
    who: Who,
    effect_id: str,
    session_id: str | None,
    params: Mapping[str, Any] | None,
    source: str,
    idempotency_key: str | None,
    replay: Replay | None,
    clock: Clock,
) -> Any:
    if source not in SOURCES:
        raise APIError(
            422,
            "validation_error",
            f"Invalid source: must be one of {', '.join(SOURCES)}.",
            details=[{"field": "source", "message": "unknown source"}],
        )
    return partial(
        _record,
        who,
        effect_id,
        session_id,
        dict(params or {}),
        source,
        idempotency_key,
        replay,
        _Firing(clock.now),
    )


# The session statuses a trigger may fire in: a live, active one.
_ACTIVE_ONLY = frozenset({"active"})


@dataclass(frozen=True)
class _Firing:
    """What differs between a person's trigger and a rule's: when "now" is read, the
    rule that fires (None: a person), and the session statuses it may fire in."""

    now: Callable[[], datetime]  # read inside the job
    rule_id: str | None = None
    statuses: Collection[str] = _ACTIVE_ONLY


def record_for_rule(
    conn: sqlite3.Connection,
    creator: Creator,
    effect_id: str,
    session_id: str | None,
    params: dict[str, Any],
    rule_id: str,
    moment: datetime,
    statuses: Collection[str] = _ACTIVE_ONLY,
) -> Recorded:
    """A rule's firing, inside the caller's transaction (rule_firing.py): the trigger's
    every check (effect, params, session, kit's categories, cooldown), source `rule`.
    `statuses` widens the sessions it may fire in (docs/RULES.md "liveOnly")."""
    outcome = _record(
        creator,
        effect_id,
        session_id,
        params,
        "rule",
        None,
        None,
        _Firing(lambda: moment, rule_id, frozenset(statuses)),
        conn,
    )
    assert isinstance(outcome, Recorded)  # no idempotency key: always a new activation
    return outcome


def published(state: AppState, outcome: Outcome) -> Fired:
    """Right after COMMIT (run by the group commit even if the caller went away meanwhile,
    so a committed activation always reaches the creator's live connections): tell them.
    A repeated idempotency key committed nothing, so there is nothing to tell."""
    if isinstance(outcome, Fired):
        return outcome
    event_log.publish(state.hub, outcome.events)
    return Fired(outcome.activation)


def _record(
    who: Who,
    effect_id: str,
    session_id: str | None,
    given: dict[str, Any],
    source: str,
    idempotency_key: str | None,
    replay: Replay | None,
    firing: _Firing,
    conn: sqlite3.Connection,
) -> Outcome:
    """The trigger's reads and writes, inside the writer's transaction."""
    creator = who if isinstance(who, Creator) else creator_for(conn, who)
    if idempotency_key is not None:
        # Before every other check: a repeat answers what the first use answered, even
        # if the session has ended or the effect is cooling down since.
        first = activations.by_idempotency_key(conn, creator.id, idempotency_key)
        if first is not None:
            return Fired(activations.activation_of(first), repeated=True)
    moment: datetime = firing.now()
    if replay is not None:
        replays.check_window(replay, moment)
    effect_row = effects.get(conn, creator.id, effect_id)
    effect = effects.render_effect(effect_row)
    _check_params(effect, given)
    if replay is None:
        session = _session(conn, creator.id, session_id, firing.statuses)
    else:
        session = replays.session_at(conn, creator.id, session_id, replay)
    kit = brand_kits.for_session(conn, creator.id, session["brand_kit_id"])
    if kit is not None and effect.category not in kit.allowed_categories:
        raise APIError(
            403,
            "category_not_allowed",
            f"The brand kit {kit.name!r} does not allow {effect.category} effects.",
            hint="Add the category to the brand kit's allowedCategories, or fire another effect.",
            extra={"category": effect.category},
        )
    # A replay happened at its `occurredAt`; its cooldown was the agent's to apply when
    # it drew, and its `triggered_ms` counts for the fires after it (replays.py).
    triggered = moment if replay is None else replay.occurred_at
    at_ms = int(triggered.timestamp() * 1000)
    if replay is None:
        _check_cooldown(
            conn,
            creator.id,
            effect,
            effect_row["cooldown_ms"],
            at_ms,
            built_in=effect_row["creator_id"] is None,
        )
    render = _render(effect, brand_of(kit) if kit else None, given)
    activation = {
        "id": new_id("act"),
        "effectId": effect.id,
        "sessionId": session["id"],
        "triggeredAt": iso(triggered),
        "source": source,
        "ruleId": firing.rule_id,
        "render": render,
        # The row's defaults; a report moves it (activations.report).
        "delivery": dict(activations.PENDING),
    }
    values = (
        activation["id"],
        effect.id,
        session["id"],
        creator.id,
        activation["triggeredAt"],
        at_ms,
        source,
        json.dumps(render, separators=(",", ":")),
        idempotency_key,
        # When the expiry sweeper may close it (delivery_sweeper.py).
        at_ms + effect.max_delay_ms,
        # What it was given, so firing it again sends the same, and when the server
        # recorded it (a replay's moment is earlier), for the history's `since`
        # (history.py).
        json.dumps(given, separators=(",", ":")) if given else None,
        at_ms if replay is None else int(moment.timestamp() * 1000),
        firing.rule_id,
    )
    born = None if replay is None else replays.born_delivered(replay)
    if born is None:
        conn.execute(_INSERT, values)
    else:
        # Born with the agent's report, in the same statement: no claim, no sweeper and
        # no second report can touch it (they all need `pending`).
        conn.execute(_INSERT_DELIVERED, (*values, *born.columns()))
        activation["delivery"] = born.as_json()
    metrics = sessions.count_trigger(
        session["metrics"], effect.slug, effect.category, activation["triggeredAt"]
    )
    # The metrics in the same transaction as the activation; RETURNING is the session
    # as committed, for the session.updated event.
    updated = conn.execute(
        "UPDATE stream_sessions SET metrics = ? WHERE id = ? RETURNING *", (metrics, session["id"])
    ).fetchone()
    events = event_log.record_all(
        conn,
        creator.id,
        [
            {"type": EFFECT_TRIGGERED, "activation": activation},
            sessions.updated_event(sessions.session_out(updated, moment)),
        ],
    )
    return Recorded(activation, events)


def _params_error(exc: ParamsError) -> APIError:
    return APIError(
        422,
        "invalid_params",
        str(exc),
        details=exc.details,
        hint="See docs/EFFECTS.md for the parameters each kind takes.",
    )


def _check_params(effect: Effect, given: dict[str, Any]) -> None:
    try:
        at_trigger(effect.kind, effect.params, given)
    except ParamsError as exc:
        raise _params_error(exc) from None


def _render(effect: Effect, brand: Brand | None, given: dict[str, Any]) -> dict[str, Any]:
    try:
        return resolve(effect, brand, given)
    except ParamsError as exc:  # already checked; only a changed effect could get here
        raise _params_error(exc) from None


def _session(
    conn: sqlite3.Connection, creator_id: str, session_id: str | None, statuses: Collection[str]
) -> sqlite3.Row:
    if session_id is None:
        row = sessions.live(conn, creator_id)
        if row is None:
            raise APIError(
                409,
                "no_live_session",
                "You have no live session to fire effects in.",
                hint="Start one with `streamfx session start`.",
            )
    else:
        row = sessions.fetch(conn, creator_id, session_id)
        if row is None:
            raise not_found("session")
    if row["status"] in statuses:
        return row
    if row["status"] == "paused":
        raise APIError(
            409,
            "session_paused",
            "This session is paused, so effects cannot be fired in it.",
            hint="Resume it with `streamfx session resume`.",
            extra={"sessionId": row["id"], "status": "paused"},
        )
    if row["status"] == "ended":
        raise APIError(
            409,
            "session_ended",
            "This session has ended, so effects cannot be fired in it.",
            hint="Start a new one with `streamfx session start`.",
            extra={"sessionId": row["id"], "status": "ended"},
        )
    return row


def _check_cooldown(
    conn: sqlite3.Connection,
    creator_id: str,
    effect: Effect,
    cooldown_ms: int,
    at_ms: int,
    *,
    built_in: bool,
) -> None:
    if cooldown_ms <= 0:
        return
    # MAX over the (creator_id, effect_id, triggered_ms) index is one b-tree seek.
    last = conn.execute(
        "SELECT MAX(triggered_ms) FROM effect_activations WHERE creator_id = ? AND effect_id = ?",
        (creator_id, effect.id),
    ).fetchone()[0]
    if last is None:
        return
    wait_ms = last + cooldown_ms - at_ms
    if wait_ms > 0:
        seconds = max(1, math.ceil(wait_ms / 1000))
        raise APIError(
            429,
            "cooldown",
            f"{effect.name} is cooling down; it can fire again in {wait_ms / 1000:.1f} s.",
            # A built-in's cooldown cannot be changed (docs/EFFECTS.md), so only waiting helps.
            hint=f"Wait {seconds} s; a built-in effect's cooldown cannot be changed."
            if built_in
            else f"Wait {seconds} s, or lower its cooldown: "
            f"`streamfx effects update {effect.slug} --cooldown 0s`.",
            headers={"Retry-After": str(seconds)},
            extra={"retryAfterMs": wait_ms, "effectId": effect.id},
        )
