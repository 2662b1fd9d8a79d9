"""Activations after they are fired: their JSON, their delivery record, and reports on it.

docs/AGENT.md "Delivery record": every activation carries
`delivery: {status, reason, agentId, drawnAt, latencyMs}`, `pending` until whoever
drew it (or could not) reports, once. The trigger itself (triggering.py) only
inserts the row with the defaults and sends `PENDING`, so the hot path pays nothing
for this module; a journal replay (replays.py) is born with its reported delivery,
judged by the same `judged` as every report.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, Field, model_validator

from streamfx_wire.live import ACTIVATION_UPDATED
from streamfx_wire.vocabulary import ReportedStatus

from . import event_log
from .errors import APIError, not_found
from .infra.db import Database
from .infra.hub import Hub
from .infra.ids import iso, parse_iso
from .schemas import ApiModel

# What a fresh activation carries; copied per activation, never shared.
PENDING: dict[str, Any] = {
    "status": "pending",
    "reason": None,
    "agentId": None,
    "drawnAt": None,
    "latencyMs": None,
}
# Statuses that mean OBS started the effect, so there is a moment it was drawn.
_DRAWN = ("shown", "hidden")
# Overlay pages counted per activation (docs/SECURITY.md): every page's acknowledgement
# is an `activation.updated` pushed to every page, so the count stops somewhere.
MAX_OVERLAY_PAGES = 50


class DeliveryOut(ApiModel):
    status: str = Field(description="pending, shown, hidden, failed, expired, skipped, overlay")
    reason: str | None
    agent_id: str | None
    drawn_at: str | None
    latency_ms: int | None = Field(description="From triggeredAt to drawnAt.")


class ActivationOut(ApiModel):
    id: str
    effect_id: str
    session_id: str
    triggered_at: str
    source: str
    rule_id: str | None = Field(
        description="The rule that fired it (source `rule`, docs/RULES.md); null otherwise."
    )
    render: dict[str, Any] = Field(description="See docs/RENDER.md.")
    delivery: DeliveryOut = Field(description="See docs/AGENT.md, Delivery record.")


AgentId = Annotated[str, Field(min_length=4, max_length=100, pattern=r"^ag_[A-Za-z0-9_-]+$")]


class DeliveryReport(ApiModel):
    """`POST /api/activations/{id}/delivery`, from a process that drew the effect itself."""

    status: ReportedStatus
    reason: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    drawn_at: AwareDatetime | None = Field(
        default=None,
        description="When OBS confirmed the start (shown or hidden only); "
        "default: when the report arrives.",
    )
    agent_id: AgentId | None = None

    @model_validator(mode="after")
    def _drawn_only_when_drawn(self) -> DeliveryReport:
        if self.drawn_at is not None and self.status not in _DRAWN:
            raise ValueError(f"drawnAt applies only to shown or hidden, not to {self.status}")
        return self


def delivery_of(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "status": row["delivery_status"],
        "reason": row["delivery_reason"],
        "agentId": row["delivery_agent_id"],
        "drawnAt": row["drawn_at"],
        "latencyMs": row["latency_ms"],
    }


def activation_of(row: sqlite3.Row) -> dict[str, Any]:
    """An activation row as every answer and event carries it."""
    return {
        "id": row["id"],
        "effectId": row["effect_id"],
        "sessionId": row["session_id"],
        "triggeredAt": row["triggered_at"],
        "source": row["source"],
        "ruleId": row["rule_id"],
        "render": json.loads(row["render"]),
        "delivery": delivery_of(row),
    }


def updated_event(activation: dict[str, Any]) -> dict[str, Any]:
    return {"type": ACTIVATION_UPDATED, "activation": activation}


def fetch(conn: sqlite3.Connection, creator_id: str, activation_id: str) -> sqlite3.Row:
    """The creator's own activation; 404 for anyone else's, as for one that does not exist."""
    row = conn.execute(
        "SELECT * FROM effect_activations WHERE id = ? AND creator_id = ?",
        (activation_id, creator_id),
    ).fetchone()
    if row is None:
        raise not_found("activation")
    return row


def by_idempotency_key(conn: sqlite3.Connection, creator_id: str, key: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM effect_activations WHERE creator_id = ? AND idempotency_key = ?",
        (creator_id, key),
    ).fetchone()


def latency_ms(triggered_at: datetime, drawn_at: datetime) -> int:
    """Milliseconds from trigger to draw; never negative (the drawing computer's clock
    may be a little behind the server's)."""
    return max(0, round((drawn_at - triggered_at).total_seconds() * 1000))


@dataclass(frozen=True)
class Outcome:
    """A reported delivery as stored: the `delivery_*`, `drawn_at` and `latency_ms` columns."""

    status: str
    reason: str | None
    agent_id: str | None
    drawn_at: str | None
    latency_ms: int | None

    def columns(self) -> tuple[str, str | None, str | None, str | None, int | None]:
        return (self.status, self.reason, self.agent_id, self.drawn_at, self.latency_ms)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "agentId": self.agent_id,
            "drawnAt": self.drawn_at,
            "latencyMs": self.latency_ms,
        }


def judged(given: DeliveryReport, triggered_at: datetime, received_at: datetime) -> Outcome:
    """What a report stores, for an activation triggered at `triggered_at`: the one rule
    of every report (HTTP, the WebSocket, and a journal replay's `delivery`, which is
    born with it). `drawnAt` defaults to `received_at` for shown and hidden."""
    drawn: datetime | None = None
    if given.status in _DRAWN:
        drawn = (given.drawn_at or received_at).astimezone(UTC)
    return Outcome(
        status=given.status,
        reason=given.reason,
        agent_id=given.agent_id,
        drawn_at=None if drawn is None else iso(drawn),
        latency_ms=None if drawn is None else latency_ms(triggered_at, drawn),
    )


def report(
    conn: sqlite3.Connection,
    creator_id: str,
    activation_id: str,
    given: DeliveryReport,
    received_at: datetime,
) -> dict[str, Any]:
    """Move a pending delivery to its final status, once; returns the activation.

    409 when it was reported already, or claimed by another agent (docs/AGENT.md).
    """
    row = fetch(conn, creator_id, activation_id)
    outcome = judged(given, parse_iso(row["triggered_at"]), received_at)
    # Conditional: of two reports that race, exactly one moves it.
    updated = conn.execute(
        "UPDATE effect_activations SET delivery_status = ?, delivery_reason = ?, "
        "delivery_agent_id = COALESCE(delivery_agent_id, ?), drawn_at = ?, latency_ms = ? "
        "WHERE id = ? AND delivery_status = 'pending' "
        "AND (delivery_agent_id IS NULL OR delivery_agent_id = ?) RETURNING *",
        (*outcome.columns(), row["id"], given.agent_id),
    ).fetchone()
    if updated is None:
        raise _not_pending(row)
    return activation_of(updated)


def deliver(
    db: Database,
    hub: Hub,
    creator_id: str,
    activation_id: str,
    given: DeliveryReport,
    received_at: datetime,
) -> dict[str, Any]:
    """`report`, and push `activation.updated`: the one path of every report, over HTTP
    (`POST /api/activations/{id}/delivery`) and the WebSocket (`delivery`). The event is
    logged with the report and published after COMMIT: a connection never hears of a
    delivery that was not stored. Blocking: call it in a worker thread."""
    with event_log.write(db, hub) as tx:
        activation = report(tx.conn, creator_id, activation_id, given, received_at)
        tx.push(creator_id, updated_event(activation))
    return activation


def claim(
    conn: sqlite3.Connection, creator_id: str, activation_id: str, agent_id: str, now_ms: int
) -> bool:
    """Take the right to draw an activation for `agent_id`; False if another agent has
    it, it was reported, or its `maxDelayMs` has passed (the sweeper expires it).

    One conditional UPDATE, so of two agents that claim at once (a takeover during a
    burst) exactly one gets True. Claiming again what this agent claimed is True.
    404 for an activation that is not the creator's."""
    claimed = conn.execute(
        "UPDATE effect_activations SET delivery_agent_id = ? "
        "WHERE id = ? AND creator_id = ? AND delivery_status = 'pending' "
        "AND (delivery_agent_id IS NULL OR delivery_agent_id = ?) "
        "AND (expires_ms IS NULL OR expires_ms > ?) RETURNING id",
        (agent_id, activation_id, creator_id, agent_id, now_ms),
    ).fetchone()
    if claimed is None:
        fetch(conn, creator_id, activation_id)  # 404 if it is not theirs
        return False
    return True


def pages_reason(pages: int) -> str:
    return f"shown on {pages} overlay page{'' if pages == 1 else 's'}"


def acknowledge_overlay(
    conn: sqlite3.Connection, creator_id: str, activation_id: str, at: datetime
) -> dict[str, Any] | None:
    """One more overlay page started drawing an overlay-kind activation: its delivery
    becomes (or stays) `overlay`, counting the pages. Returns the activation, or None
    when the acknowledgement changes nothing: another kind (the agent reports those),
    a delivery already final, or the count at its cap. 404 if not the creator's."""
    row = fetch(conn, creator_id, activation_id)
    if json.loads(row["render"]).get("kind") != "overlay":
        return None
    pages = row["overlay_pages"]
    if row["delivery_status"] not in ("pending", "overlay") or pages >= MAX_OVERLAY_PAGES:
        return None
    drawn = at.astimezone(UTC)
    updated = conn.execute(
        "UPDATE effect_activations SET delivery_status = 'overlay', delivery_reason = ?, "
        "overlay_pages = ?, drawn_at = COALESCE(drawn_at, ?), "
        "latency_ms = COALESCE(latency_ms, ?) WHERE id = ? AND overlay_pages = ? RETURNING *",
        (
            pages_reason(pages + 1),
            pages + 1,
            iso(drawn),
            latency_ms(parse_iso(row["triggered_at"]), drawn),
            row["id"],
            pages,
        ),
    ).fetchone()
    return None if updated is None else activation_of(updated)


def _not_pending(row: sqlite3.Row) -> APIError:
    if row["delivery_status"] == "pending":
        return APIError(
            409,
            "delivery_claimed",
            f"Agent {row['delivery_agent_id']} is drawing this activation; "
            "only it can report the delivery.",
            hint="Leave it to that agent.",
            extra={"agentId": row["delivery_agent_id"]},
        )
    return APIError(
        409,
        "delivery_reported",
        f"This activation's delivery was already reported as {row['delivery_status']}.",
        hint="A delivery is reported once; GET the activation to see it.",
        extra={"delivery": delivery_of(row)},
    )
