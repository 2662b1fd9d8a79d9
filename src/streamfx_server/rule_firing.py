"""A rule's firing (docs/RULES.md "Firing"): one activation through the trigger's one path,
or, when it cannot fire, why, kept on the rule.

Every firing is an activation with source `rule` and the rule's `ruleId`, made by
triggering.py's checks (the effect, its params, the session, the brand kit's categories,
the effect's cooldown), so a rule fires under the same rules as a person. Before those,
what is the rule's own: it must still be enabled, within its creator's tier's number of
rules, past its own `cooldownMs`, and its placeholders must find their fields.

The firing runs in one job of the group commit (or one write transaction, from a
route in a worker thread): the rule's state (its timer's next tick, a webhook call's
delivery id) is written in the same transaction as the activation, and the refusal
too when there is one, so a restart can neither lose nor repeat what happened.

Who calls it:
- rule_timers via `fire_due_timers` (the scheduler, a lifespan task in app.py);
- routes/sessions.py via `fire_session_rules`, after a start, pause, resume or end
  has committed;
- routes/hooks.py via `fire_webhook`;
- the OBS agent's reports via `fire_rule_event` (the seam for obs rules: docs/RULES.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from . import rule_timers, rules, sessions, triggering, webhooks
from .errors import APIError
from .identity import Creator
from .infra.db import Database
from .infra.ids import iso
from .rule_triggers import MissingFields, ObsTrigger, fill
from .state import AppState

log = logging.getLogger("streamfx.server")

ALL_STATUSES = frozenset({"active", "paused", "ended"})
LIVE = frozenset({"active"})
LIVE_OR_PAUSED = frozenset({"active", "paused"})


@dataclass(frozen=True)
class Occasion:
    """What happened: the fields it gives the placeholders, and the session it fires in
    (None: the creator's live one, as the rule's `liveOnly` allows)."""

    fields: Mapping[str, Any]
    session_id: str | None = None
    # The statuses that session may have; None: by the rule's liveOnly.
    statuses: frozenset[str] | None = None


@dataclass
class RuleOutcome:
    """What one rule did: fired (`activation`) or not (`refusal`, kept on the rule)."""

    rule_id: str
    activation: dict[str, Any] | None = None
    refusal: APIError | None = None
    missing: list[str] = field(default_factory=list)
    recorded: triggering.Recorded | None = None


_RULE_AND_CREATOR = (
    "SELECT r.*, c.email, c.display_name, c.role, c.subscription_tier "
    "FROM rules r JOIN creators c ON c.id = r.creator_id WHERE r.id = ?"
)


def _creator(row: sqlite3.Row) -> Creator:
    return Creator(
        row["creator_id"],
        row["email"],
        row["display_name"],
        row["role"],
        row["subscription_tier"],
        "rule",
    )


def load(conn: sqlite3.Connection, rule_id: str) -> sqlite3.Row | None:
    """The rule with its creator's account, if it exists and is enabled."""
    row = conn.execute(_RULE_AND_CREATOR, (rule_id,)).fetchone()
    return row if row is not None and row["enabled"] else None


def _own_refusal(conn: sqlite3.Connection, rule: sqlite3.Row, at_ms: int) -> APIError | None:
    """What the rule itself forbids: past its tier's number of rules, or its own cooldown."""
    limit = rules.over_tier_limit(conn, rule["creator_id"], rule["subscription_tier"], rule["id"])
    if limit is not None:
        return APIError(
            403,
            "tier_limit",
            f"The {rule['subscription_tier']} tier allows {limit} rules, and this one is "
            "beyond them, so it does not fire.",
            hint="Delete rules you no longer use, or ask the server owner for a higher tier.",
        )
    last, cooldown = rule["last_fired_ms"], rule["cooldown_ms"]
    if last is not None and cooldown > 0 and last + cooldown > at_ms:
        wait_ms = last + cooldown - at_ms
        seconds = max(1, math.ceil(wait_ms / 1000))
        return APIError(
            429,
            "rule_cooldown",
            f"The rule {rule['name']!r} is cooling down; it can fire again in "
            f"{wait_ms / 1000:.1f} s.",
            hint=f"Wait {seconds} s, or lower the rule's cooldownMs.",
            headers={"Retry-After": str(seconds)},
            extra={"retryAfterMs": wait_ms, "ruleId": rule["id"]},
        )
    return None


def _missing_field(exc: MissingFields) -> APIError:
    fields = sorted({p.field for p in exc.missing})
    return APIError(
        422,
        "missing_field",
        str(exc),
        hint="Send " + ", ".join(fields) + " in the JSON body, or change the rule's params.",
        details=[
            {"field": f"body.{p.field}", "message": f"needed by {{{p.field}}} in {p.where}"}
            for p in exc.missing
        ],
    )


def fire_in(
    conn: sqlite3.Connection, rule: sqlite3.Row, occasion: Occasion, moment: datetime
) -> RuleOutcome:
    """Fire `rule` for `occasion`, inside the caller's transaction, and keep the outcome on
    the rule: never raises for a refusal (it is the outcome)."""
    at_ms = int(moment.timestamp() * 1000)
    outcome = RuleOutcome(rule["id"])
    refusal = _own_refusal(conn, rule, at_ms)
    params: dict[str, Any] = {}
    if refusal is None:
        try:
            params = fill(json.loads(rule["params"]), occasion.fields)
        except MissingFields as exc:
            refusal = _missing_field(exc)
            outcome.missing = sorted({p.field for p in exc.missing})
    if refusal is None:
        statuses = occasion.statuses
        if statuses is None:
            statuses = LIVE if rule["live_only"] else LIVE_OR_PAUSED
        conn.execute("SAVEPOINT rule_fire")
        try:
            recorded = triggering.record_for_rule(
                conn,
                _creator(rule),
                rule["effect_id"],
                occasion.session_id,
                params,
                rule["id"],
                moment,
                statuses,
            )
        except APIError as exc:
            conn.execute("ROLLBACK TO rule_fire")
            refusal = exc
        else:
            outcome.recorded = recorded
            outcome.activation = recorded.activation
        conn.execute("RELEASE rule_fire")
    stamp = iso(moment)
    if outcome.activation is not None:
        conn.execute(
            "UPDATE rules SET last_fired_ms = ?, last_fired_at = ?, last_activation_id = ? "
            "WHERE id = ?",
            (at_ms, stamp, outcome.activation["id"], rule["id"]),
        )
    else:
        assert refusal is not None
        outcome.refusal = refusal
        conn.execute(
            "UPDATE rules SET last_refused_at = ?, last_refused_code = ?, last_refused_reason = ? "
            "WHERE id = ?",
            (stamp, refusal.code, refusal.message, rule["id"]),
        )
    return outcome


def _publish(state: AppState, outcomes: list[RuleOutcome]) -> list[RuleOutcome]:
    """After COMMIT: the new activations' events go to the creator's live connections."""
    for outcome in outcomes:
        if outcome.recorded is not None:
            triggering.published(state, outcome.recorded)
    return outcomes


def _job(
    rule_id: str,
    occasion: Callable[[sqlite3.Connection, sqlite3.Row], Occasion | None],
    moment: datetime,
    conn: sqlite3.Connection,
) -> list[RuleOutcome]:
    """Load the rule (enabled), ask `occasion` what happened (None: nothing to fire; it may
    write the rule's own state, or raise to refuse the whole call), then fire."""
    rule = load(conn, rule_id)
    if rule is None:
        return []
    what = occasion(conn, rule)
    if what is None:
        return []
    return [fire_in(conn, rule, what, moment)]


async def _run(
    state: AppState,
    rule_id: str,
    occasion: Callable[[sqlite3.Connection, sqlite3.Row], Occasion | None],
    moment: datetime,
) -> list[RuleOutcome]:
    job = partial(_job, rule_id, occasion, moment)
    done: list[RuleOutcome] = await state.db.run_async(job, after=partial(_publish, state))
    return done


def _run_now(
    state: AppState,
    rule_id: str,
    occasion: Callable[[sqlite3.Connection, sqlite3.Row], Occasion | None],
    moment: datetime,
) -> list[RuleOutcome]:
    """`_run` for a caller in a worker thread (a `def` route): one write transaction."""
    done: list[RuleOutcome] = []
    with state.db.write(after=lambda: _publish(state, done)) as conn:
        done += _job(rule_id, occasion, moment, conn)
    return done


# -- timers ------------------------------------------------------------------------------


def _timer_occasion(at: datetime, conn: sqlite3.Connection, rule: sqlite3.Row) -> Occasion | None:
    session = conn.execute(
        "SELECT * FROM stream_sessions WHERE creator_id = ? AND status = 'active'",
        (rule["creator_id"],),
    ).fetchone()
    if session is None:
        return None
    tick = rule_timers.due(rule, session, at)
    if tick is None:
        return None
    rule_timers.record(conn, rule["id"], session["id"], tick)
    fields = {
        "count": tick.count,
        "liveSeconds": math.floor(tick.live_seconds),
        "sessionId": session["id"],
    }
    return Occasion(fields, session["id"], LIVE)


async def fire_due_timers(
    state: AppState, to_thread: Callable[..., Awaitable[Any]] = asyncio.to_thread
) -> list[RuleOutcome]:
    """Fire every timer tick due now (the scheduler's one step). `to_thread` runs the
    look for due rules off the loop (app.py passes one that a shutdown waits for)."""
    at = state.settings.clock.now()
    due: list[str] = await to_thread(rule_timers.due_rule_ids, state.db, at)
    outcomes: list[RuleOutcome] = []
    for rule_id in due:
        outcomes += await _run(state, rule_id, partial(_timer_occasion, at), at)
    return outcomes


# -- sessions ----------------------------------------------------------------------------


def _session_occasion(
    session: sessions.SessionOut, on: str, _: sqlite3.Connection, rule: sqlite3.Row
) -> Occasion | None:
    fields = {
        "event": on,
        "sessionId": session.id,
        "title": session.title or "",
        "platform": session.platform,
        "liveSeconds": math.floor(session.live_duration_seconds),
    }
    # The session that just changed, whatever its status now: a `paused` or `ended` rule
    # fires at the moment the session stops being live (docs/RULES.md "liveOnly").
    return Occasion(fields, session.id, ALL_STATUSES)


def fire_session_rules(
    state: AppState, creator_id: str, session: sessions.SessionOut, on: str
) -> list[RuleOutcome]:
    """After a session's start, pause, resume or end has committed: fire the creator's
    enabled session rules for it, oldest first. A failure is logged, never raised: the
    transition has happened whatever the rules do."""
    rows = state.db.all(
        "SELECT id FROM rules WHERE creator_id = ? AND trigger_type = 'session' AND enabled = 1 "
        "AND json_extract(trigger, '$.on') = ? ORDER BY created_at, id",
        (creator_id, on),
    )
    outcomes: list[RuleOutcome] = []
    moment = state.settings.clock.now()
    for row in rows:
        try:
            outcomes += _run_now(state, row["id"], partial(_session_occasion, session, on), moment)
        except Exception:
            log.exception("a session rule could not be fired")
    return outcomes


# -- webhooks ----------------------------------------------------------------------------


def _webhook_occasion(
    hook_id: str,
    call: webhooks.SignedCall,
    body: Mapping[str, Any],
    at_ms: int,
    conn: sqlite3.Connection,
    rule: sqlite3.Row,
) -> Occasion:
    if rule["hook_id"] != hook_id:  # rotated or deleted between the check and the job
        raise _hook_gone()
    webhooks.spend(conn, hook_id, call, at_ms)
    return Occasion(body)


def _hook_gone() -> APIError:
    return APIError(404, "not_found", "No webhook here.", hint="Check the hook's URL.")


async def fire_webhook(
    state: AppState,
    rule_id: str,
    hook_id: str,
    call: webhooks.SignedCall,
    body: Mapping[str, Any],
) -> RuleOutcome:
    """A signed call of `hook_id`, already checked: spend its delivery id, fire its rule."""
    at = state.settings.clock.now()
    at_ms = int(at.timestamp() * 1000)
    occasion = partial(_webhook_occasion, hook_id, call, body, at_ms)
    done = await _run(state, rule_id, occasion, at)
    if not done:  # disabled or deleted meanwhile
        raise _hook_gone()
    return done[0]


# -- OBS events (the agent's reports; docs/RULES.md "OBS rules") -------------------------


def _obs_occasion(
    event: Mapping[str, Any], _: sqlite3.Connection, rule: sqlite3.Row
) -> Occasion | None:
    trigger = ObsTrigger.model_validate(json.loads(rule["trigger"]))
    if not trigger.matches(event):
        return None
    fields = {k: v for k, v in event.items() if k != "type"}
    return Occasion(fields)


async def fire_rule_event(
    state: AppState, creator_id: str, event: Mapping[str, Any]
) -> list[RuleOutcome]:
    """Fire the creator's enabled obs rules that wait for `event`, oldest first.

    `event` is what the agent saw: `{"type": "obs", "event": "sceneChanged", "scene":
    "BRB"}` (and `input` for mediaEnded, `path` for replaySaved and recordingStopped).
    Its fields, but `type`, fill the rules' placeholders. The caller has checked who the creator is;
    nothing here trusts the event beyond matching it to the creator's own rules."""
    rows = await asyncio.to_thread(
        state.db.all,
        "SELECT id FROM rules WHERE creator_id = ? AND trigger_type = 'obs' AND enabled = 1 "
        "AND json_extract(trigger, '$.event') = ? ORDER BY created_at, id",
        (creator_id, str(event.get("event"))),
    )
    at = state.settings.clock.now()
    outcomes: list[RuleOutcome] = []
    for row in rows:
        outcomes += await _run(state, row["id"], partial(_obs_occasion, event), at)
    return outcomes


def obs_events_needed(db: Database, creator_id: str) -> list[str]:
    """The OBS events the creator's enabled obs rules wait for, sorted: what the agent
    holding the lease subscribes to and reports (docs/AGENT.md "OBS events")."""
    rows = db.all(
        "SELECT DISTINCT json_extract(trigger, '$.event') AS event FROM rules "
        "WHERE creator_id = ? AND trigger_type = 'obs' AND enabled = 1 ORDER BY event",
        (creator_id,),
    )
    return [str(row["event"]) for row in rows]
