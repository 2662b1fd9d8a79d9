"""The creator's agents: who draws in which OBS right now (docs/AGENT.md "Lease")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from .. import agent_status
from ..agent_status import AgentHolder
from ..deps import CurrentCreator, State

router = APIRouter(prefix="/api/agents", tags=["agents"])


@router.get("", response_model=list[AgentHolder])
def list_agents(creator: CurrentCreator, state: State) -> list[dict[str, Any]]:
    """The agents holding a drawing lease now, one per OBS target, the oldest holding
    first; empty when none is connected. Standbys are not listed. What changes later
    comes as `agent.status` events over the WebSocket."""
    return agent_status.holders_of(state.agent_leases, creator.id)
