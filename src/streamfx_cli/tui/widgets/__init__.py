"""The control panel's widgets; each has its styles in a `.tcss` file beside it."""

from .activity_feed import ActivityFeed
from .agent_status import AgentStatus
from .brand_kit_panel import BrandKitPanel
from .effect_grid import EffectGrid, EffectTile
from .session_panel import SessionPanel
from .status_bar import StatusBar

__all__ = [
    "ActivityFeed",
    "AgentStatus",
    "BrandKitPanel",
    "EffectGrid",
    "EffectTile",
    "SessionPanel",
    "StatusBar",
]
