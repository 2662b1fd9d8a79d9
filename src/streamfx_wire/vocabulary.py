"""The fixed vocabularies of the API and the look of a render without a brand kit.

Each vocabulary is a `Literal` type (what pydantic validates on the server and
a type checker sees) and a tuple of its values in their canonical order (the
panel's grid, a kit's allowed categories), made from the same list.
"""

from collections.abc import Mapping
from typing import Final, Literal, TypedDict, get_args

Category = Literal["celebration", "alert", "transition", "ambient", "sound", "text", "custom"]
CATEGORIES: Final[tuple[Category, ...]] = get_args(Category)

Platform = Literal["twitch", "youtube", "kick", "tiktok", "facebook", "custom"]
PLATFORMS: Final[tuple[Platform, ...]] = get_args(Platform)

# Where an activation came from, as the trigger's `source` says; `replay` is an earlier
# activation fired again (`POST /api/activations/{id}/replay`, docs/EFFECTS.md "History").
# `rule` is a rule's firing (docs/RULES.md): the server's own, with the rule's `ruleId`,
# so a client's trigger cannot claim it (`ClientSource`).
ClientSource = Literal["cli", "tui", "api", "ws", "hotkey", "replay"]
CLIENT_SOURCES: Final[tuple[ClientSource, ...]] = get_args(ClientSource)
Source = Literal["cli", "tui", "api", "ws", "hotkey", "replay", "rule"]
SOURCES: Final[tuple[Source, ...]] = get_args(Source)

# What an effect does when its lane is busy (docs/AGENT.md "Lanes"): wait its turn, end
# what is showing and start at once, or be dropped (`skipped`).
QueueMode = Literal["queue", "replace", "skip"]
QUEUE_MODES: Final[tuple[QueueMode, ...]] = get_args(QueueMode)
DEFAULT_QUEUE_MODE: Final[QueueMode] = "queue"

# How late an activation may still be drawn; older than this it is `expired`, not drawn
# late. Ten minutes at most: a queued effect later than that is no longer news.
DEFAULT_MAX_DELAY_MS: Final = 5000
MAX_MAX_DELAY_MS: Final = 600_000

# An activation's delivery (docs/AGENT.md "Delivery record"): `pending` until someone
# reports; a report moves it once to one of the others.
DeliveryStatus = Literal["pending", "shown", "hidden", "failed", "expired", "skipped", "overlay"]
DELIVERY_STATUSES: Final[tuple[DeliveryStatus, ...]] = get_args(DeliveryStatus)
# What a process that drew (or could not draw) the effect itself may report; `overlay`
# comes from the overlay pages' acknowledgements only.
ReportedStatus = Literal["shown", "hidden", "failed", "expired", "skipped"]
REPORTED_STATUSES: Final[tuple[ReportedStatus, ...]] = get_args(ReportedStatus)

# A session report's delivery rate (docs/REPORTS.md): delivered (viewers saw it) over
# delivered and missed (it was meant to be seen and was not). Neither: `skipped` (the
# effect's own queue mode, or `--no-obs`) and `pending` (no outcome yet).
DELIVERED_STATUSES: Final[tuple[DeliveryStatus, ...]] = ("shown", "overlay")
MISSED_STATUSES: Final[tuple[DeliveryStatus, ...]] = ("hidden", "failed", "expired")

SessionStatus = Literal["active", "paused", "ended"]
SESSION_STATUSES: Final[tuple[SessionStatus, ...]] = get_args(SessionStatus)

# The brand kit's colours; every render carries all five as `colors`.
PaletteRole = Literal["primary", "secondary", "accent", "background", "text"]
PALETTE_ROLES: Final[tuple[PaletteRole, ...]] = get_args(PaletteRole)

DEFAULT_PALETTE: Final[Mapping[str, str]] = {
    "primary": "#7B2FF7",
    "secondary": "#F107A3",
    "accent": "#FFD166",
    "background": "#0B0B0F",
    "text": "#FFFFFF",
}


class Typography(TypedDict):
    """A brand kit's `typography`, as the API writes it."""

    headingFont: str
    bodyFont: str
    baseSize: int


DEFAULT_TYPOGRAPHY: Final[Typography] = {
    "headingFont": "Inter",
    "bodyFont": "Inter",
    "baseSize": 48,
}
# 1 calm .. 5 wild; effect parameters are given at this middle value.
DEFAULT_MOTION_INTENSITY: Final = 3
