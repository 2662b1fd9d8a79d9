"""The agents as the creator's clients see them: `agent.status` events, `GET /api/agents`,
and the `agent` of a trigger's answer (docs/AGENT.md "Lease")."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import Field

from streamfx_wire.live import AGENT_STATUS

from . import event_log
from .agent_leases import AgentLeases, Announcement, Lease
from .infra.db import Database
from .infra.hub import Hub
from .infra.ids import iso
from .schemas import ApiModel

log = logging.getLogger("streamfx.server")


class AgentRef(ApiModel):
    """The agent holding a drawing lease."""

    agent_id: str
    target: str = Field(description="The OBS it draws in, host:port.")


class AgentHolder(AgentRef):
    since: str = Field(description="When it became the holder.")


def ref_of(lease: Lease[Any] | None) -> dict[str, Any] | None:
    """`{"agentId", "target"}` of a holder, or None: the `agent` of a trigger's answer."""
    if lease is None:
        return None
    return {"agentId": lease.agent_id, "target": lease.target}


def holders_of(leases: AgentLeases[Any], creator_id: str) -> list[dict[str, Any]]:
    return [
        {
            "agentId": lease.agent_id,
            "target": lease.target,
            "since": iso(lease.since) if lease.since else None,
        }
        for lease in leases.holders(creator_id)
    ]


def status_event(announced: Announcement) -> dict[str, Any]:
    if announced.agent_id is None:
        return {"type": AGENT_STATUS, "state": "down", "target": announced.target}
    return {
        "type": AGENT_STATUS,
        "state": "drawing",
        "agentId": announced.agent_id,
        "target": announced.target,
    }


def announce(
    db: Database, hub: Hub, leases: AgentLeases[Any], creator_id: str, target: str
) -> None:
    """Log and push `agent.status` for the target if its holder is not the one told last.

    Reads the holder inside the write transaction: however changes and writes
    interleave, the last event logged names the present holder. Blocking: call it in
    a worker thread. Never raises (a connection ending must not fail on it)."""
    try:
        with event_log.write(db, hub) as tx:
            announced = leases.announce(creator_id, target)
            if announced is not None:
                tx.push(creator_id, status_event(announced))
    except Exception:
        log.exception("could not log an agent.status event")
