"""What the panel tells the streamer, as plain data: every notification's words, title
and weight, decided without Textual so each can be tested on its own.

The app shows a `Notice` with `App.notify`; nothing here knows about the screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..errors import StreamFXError

if TYPE_CHECKING:
    from .model import AgentHolder
    from .state import ObsState

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True)
class Notice:
    message: str
    title: str
    severity: Severity = "information"
    timeout: float | None = None  # None: the app's NOTIFICATION_TIMEOUT


def reason(exc: BaseException) -> str:
    """The one sentence an error carries (its type's name when it has none)."""
    if isinstance(exc, StreamFXError):
        return exc.message
    text = str(exc)
    return text if text else type(exc).__name__


def failure(exc: BaseException, title: str) -> Notice:
    """Any failure that has no better words: its sentence, its hint, and the type
    when it was not one the panel expects (a bug worth reporting)."""
    message = reason(exc)
    hint = getattr(exc, "hint", None)
    if hint:
        message = f"{message}\n{hint}"
    if not isinstance(exc, StreamFXError | OSError):
        message = f"Unexpected {type(exc).__name__}: {message}"
    return Notice(message, title, "error")


def signed_out(message: str) -> Notice:
    return Notice(
        f"{message}\nSign in with `streamfx login` (or `streamfx up`), then press r.",
        "Not signed in",
        "error",
        timeout=30,
    )


def not_fired(effect_name: str, message: str) -> Notice:
    return Notice(message, f"{effect_name} not fired", "warning")


def not_shown_in_obs(effect_name: str, exc: BaseException) -> Notice:
    """The server recorded the activation; OBS did not show it."""
    from ..obs import ObsError

    message = reason(exc)
    if not isinstance(exc, ObsError | StreamFXError):
        message = f"Unexpected {type(exc).__name__}: {message}"
    return Notice(f"Recorded, but not shown in OBS: {message}", effect_name, "warning")


def hidden_in_obs(effect_name: str, reason: str | None, hint: str | None) -> Notice:
    """This panel drew it, but viewers cannot see it (docs/AGENT.md "Delivery record")."""
    message = f"Drawn in OBS, but viewers cannot see it: {reason}."
    return Notice(message + (f"\n{hint}" if hint else ""), effect_name, "warning")


def agent_delivery(effect_name: str, status: str, reason: str | None) -> Notice | None:
    """What the agent made of an effect this panel fired, when viewers did not see it."""
    why = f": {reason}" if reason else ""
    if status == "hidden":
        return Notice(
            f"The agent showed it, but viewers cannot see it{why}.", effect_name, "warning"
        )
    if status == "skipped":
        return Notice(f"The agent skipped it{why}.", effect_name, "warning")
    if status in ("failed", "expired"):
        return Notice(f"The agent did not show it ({status}){why}.", effect_name, "error")
    return None


def agent_changed(
    was_drawing: bool | None, drawing: bool | None, agent: AgentHolder | None
) -> Notice | None:
    """Said once per change while the panel is open (not when it first learns the state):
    the agent stopped, so this panel draws again; or an agent draws, so it does not."""
    if was_drawing is None or drawing is None or was_drawing == drawing:
        return None
    if drawing:
        where = f" in OBS at {agent.target}" if agent is not None else ""
        return Notice(f"The OBS agent is drawing{where}: this panel leaves OBS to it.", "OBS agent")
    return Notice(
        "The OBS agent stopped: this panel draws again.\n"
        "Start it again with `streamfx agent start`.",
        "OBS agent",
        "warning",
        timeout=15,
    )


def obs_changed(previous: str, state: ObsState) -> Notice | None:
    """Said once per change that matters: a refused password, OBS lost, OBS back."""
    if state.waiting and previous != "down":
        return Notice(f"{state.detail}\nThen press o to try again.", "OBS", "error", timeout=20)
    if state.status == "connected" and previous in ("reconnecting", "down"):
        return Notice("Connected to OBS again.", "OBS")
    if state.status == "reconnecting" and previous == "connected":
        return Notice("Lost OBS; reconnecting…", "OBS", "warning")
    return None


def server_changed(previous: str, status: str, detail: str) -> Notice | None:
    """The live connection to the server: lost and found again (signed out is its own)."""
    if status == "live" and previous == "reconnecting":
        return Notice("Connected to the server again.", "Server")
    if status == "reconnecting" and previous == "live":
        return Notice(f"{detail} Reconnecting…", "Server", "warning")
    return None


SESSION_DONE = {"start": "started", "pause": "paused", "resume": "resumed", "end": "ended"}


def session_done(action: str) -> Notice:
    return Notice(f"Session {SESSION_DONE[action]}.", "Session")


def session_refused(message: str, hint: str | None) -> Notice:
    return Notice(message + (f"\n{hint}" if hint else ""), "Session", "warning")


def active_kit(name: str, session_keeps_its_own: bool) -> Notice:
    note = "\nThis session keeps the kit it was started with." if session_keeps_its_own else ""
    return Notice(f"Active brand kit: {name}.{note}", "Brand kit")


def key_saved(answer: Mapping[str, Any]) -> Notice:
    """A key given or freed from the panel (the server's answer: {effect, movedFrom})."""
    effect, moved = answer["effect"], answer.get("movedFrom")
    if effect.get("key") is None:
        return Notice(f"{effect['name']} has no key now.", "Keys")
    message = f"Key {effect['key']} fires {effect['name']}."
    if moved:
        message += f"\n{moved['name']} had it and has no key now."
    return Notice(message, "Keys")
