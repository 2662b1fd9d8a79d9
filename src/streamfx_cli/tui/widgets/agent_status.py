"""The header's word on the OBS agent (docs/AGENT.md "Lease"): while an agent draws, this
panel leaves OBS to it; while none does, the panel draws its own fires itself."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from .._css import sibling_css
from ..model import AgentHolder

TONES = ("drawing", "down", "unknown")


def agent_label(
    drawing: bool | None, agent: AgentHolder | None, others: int = 0
) -> tuple[str, str]:
    """The words and the tone (drawing | down | unknown) for what the server said."""
    if drawing is None:
        return "Agent: …", "unknown"
    if not drawing or agent is None:
        return "Agent: down · this panel draws", "down"
    more = f" +{others}" if others else ""
    return f"Agent: drawing · {agent.target}{more}", "drawing"


class AgentStatus(Static):
    DEFAULT_CSS = sibling_css(__file__)

    def show(self, drawing: bool | None, agent: AgentHolder | None, others: int = 0) -> None:
        text, tone = agent_label(drawing, agent, others)
        self.update(Text(text))
        for name in TONES:
            self.set_class(name == tone, name)
        self.tooltip = (
            Text(f"Agent {agent.agent_id} draws every activation in OBS at {agent.target}.")
            if tone == "drawing" and agent is not None
            else None
        )
