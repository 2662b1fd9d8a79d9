"""The expiry sweeper: a `pending` activation older than its `maxDelayMs` becomes `expired`.

docs/AGENT.md "Delivery record": what was not drawn in time is never drawn, and its
delivery says why in plain words. The app's lifespan runs `sweep` every
`delivery_sweep_every` seconds (app.py). `expires_ms` (`triggered_ms + maxDelayMs`,
written by the trigger) has a partial index over the pending rows only, so a sweep
that finds nothing is one index probe and takes no write lock; one that finds some
closes them in short transactions of `BATCH`, so a trigger never waits long behind it.

An activation claimed by an agent that is still connected is left to that agent for
`CLAIMED_GRACE_MS` more (it may be drawing it right now, in a queue behind a long
effect); once the agent is gone it is expired at once, and never drawn again.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from . import activations, event_log
from .agent_leases import AgentLeases
from .infra.db import Database
from .infra.hub import Hub

BATCH = 100
CLAIMED_GRACE_MS = 30_000

NO_AGENT = "no agent was running"
CLAIMER_STOPPED = "the agent that claimed it stopped before reporting"
NO_OVERLAY_PAGE = "no overlay page showed it"

_ANY_DUE = (
    "SELECT 1 FROM effect_activations WHERE delivery_status = 'pending' AND expires_ms <= ? LIMIT 1"
)
_DUE = (
    "SELECT * FROM effect_activations WHERE delivery_status = 'pending' "
    "AND expires_ms <= ? AND (expires_ms, id) > (?, ?) ORDER BY expires_ms, id LIMIT ?"
)


def reason_for(row: sqlite3.Row, leases: AgentLeases[Any], now_ms: int) -> str | None:
    """Why this due activation expires, in plain words; None: not yet (its claimer
    is still connected and within the grace)."""
    if json.loads(row["render"]).get("kind") == "overlay":
        return NO_OVERLAY_PAGE
    creator_id, agent_id = row["creator_id"], row["delivery_agent_id"]
    if agent_id is not None:
        if not leases.has_agent(creator_id, agent_id):
            return CLAIMER_STOPPED
        if now_ms < row["expires_ms"] + CLAIMED_GRACE_MS:
            return None
        return f"the agent that claimed it did not report within {CLAIMED_GRACE_MS // 1000} s"
    if not leases.ran_since(creator_id, row["triggered_ms"]):
        return NO_AGENT
    return f"no agent drew it within {row['expires_ms'] - row['triggered_ms']} ms"


def anything_due(db: Database, now_ms: int) -> bool:
    """A read without the write lock: most sweeps find nothing and stop here."""
    return db.one(_ANY_DUE, (now_ms,)) is not None


def sweep(db: Database, hub: Hub, leases: AgentLeases[Any], now_ms: int) -> int:
    """Expire what is due at `now_ms`; returns how many. Each expiry pushes
    `activation.updated` through the event log. Blocking: run it in a worker thread."""
    if not anything_due(db, now_ms):
        return 0
    total = 0
    cursor: tuple[int, str] = (-1, "")
    while True:
        with event_log.write(db, hub) as tx:
            rows = tx.conn.execute(_DUE, (now_ms, *cursor, BATCH)).fetchall()
            for row in rows:
                reason = reason_for(row, leases, now_ms)
                if reason is not None and _expire(tx, row, reason):
                    total += 1
        if len(rows) < BATCH:
            return total
        cursor = (rows[-1]["expires_ms"], rows[-1]["id"])


def _expire(tx: event_log.Outbox, row: sqlite3.Row, reason: str) -> bool:
    updated = tx.conn.execute(
        "UPDATE effect_activations SET delivery_status = 'expired', delivery_reason = ? "
        "WHERE id = ? AND delivery_status = 'pending' RETURNING *",
        (reason, row["id"]),
    ).fetchone()
    if updated is None:
        return False
    tx.push(row["creator_id"], activations.updated_event(activations.activation_of(updated)))
    return True
