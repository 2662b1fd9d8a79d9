"""Every message the panel's workers and its two links post to the app.

Nothing that waits on the network or OBS touches the screen: a worker
(tui/workers.py), the OBS link (tui/obs_link.py) or the live events
(tui/live_events.py) posts one of these, and the app handles it on its event loop
in `on_<name in snake case>` (tui/app.py). Textual's `post_message` is
thread-safe, so worker threads post them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from ..errors import APIError
    from ..obs.visibility import Visibility
    from .model import Effect
    from .state import ObsState


# -- the server, through the API (tui/backend.py) -------------------------------------


@dataclass
class SnapshotLoaded(Message):
    """Everything the panel shows, read in one go."""

    snapshot: dict[str, Any]


@dataclass
class SnapshotFailed(Message):
    error: Exception


@dataclass
class HistoryLoaded(Message):
    """The live session's latest activations, oldest first, for the activity feed."""

    session_id: str
    activations: list[dict[str, Any]]


@dataclass
class RulesLoaded(Message):
    """The creator's rules, oldest first, for the rules view."""

    rules: list[dict[str, Any]]


@dataclass
class RuleSwitched(Message):
    """A rule was switched on or off; the server's answer."""

    rule: dict[str, Any]


@dataclass
class TriggerAccepted(Message):
    """The server recorded an activation this panel asked for (a fire, or a row fired
    again)."""

    effect: Effect
    activation: dict[str, Any]


@dataclass
class TriggerRefused(Message):
    """The server said no (cooldown, kit, session) with a reason of its own."""

    effect: Effect
    error: APIError


@dataclass
class SessionChanged(Message):
    """A session call went through: `action` is start | pause | resume | end."""

    action: str
    session: dict[str, Any]


@dataclass
class SessionRefused(Message):
    error: APIError


@dataclass
class ActiveKitSaved(Message):
    kit_id: str
    me: dict[str, Any]


@dataclass
class EffectKeySaved(Message):
    """The server's answer to a key given or freed here: {effect, movedFrom}."""

    answer: dict[str, Any]


@dataclass
class WorkFailed(Message):
    """A call failed without a refusal of the server's (unreachable, signed out, a bug)."""

    error: Exception
    title: str


@dataclass
class ActiveKitFailed(Message):
    """Switching the active kit failed: the picker goes back to the kit in use."""

    error: Exception


# -- OBS (tui/obs_link.py) ---------------------------------------------------------------


@dataclass
class ObsShown(Message):
    """OBS started it on the panel's connection; `seen` says whether viewers see it."""

    activation_id: str
    effect: Effect
    seen: Visibility


@dataclass
class ObsNotShown(Message):
    activation_id: str
    effect: Effect
    error: Exception


@dataclass
class DeliveryNotRecorded(Message):
    """The server did not take the panel's delivery report (what was drawn stands)."""

    activation_id: str
    error: Exception


@dataclass
class ObsStateChanged(Message):
    state: ObsState


# -- the server's live events (tui/live_events.py) -------------------------------------


@dataclass
class ServerStateChanged(Message):
    """The live connection: connecting | live | reconnecting | signed-out."""

    status: str
    detail: str


@dataclass
class ServerEvent(Message):
    """One pushed event: effect.triggered, activation.updated, agent.status, session.updated,
    brandKit.updated."""

    event: dict[str, Any]
