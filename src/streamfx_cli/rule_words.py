"""A rule in words: its trigger, and its last firing or why it last did not fire; shared by
`streamfx rules list` and the panel's rules view (docs/RULES.md, docs/PANEL.md)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api_types import Rule


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def describe_trigger(trigger: dict[str, Any]) -> str:
    kind = trigger.get("type")
    if kind == "timer":
        every = trigger.get("everySeconds", 0)
        offset = trigger.get("offsetSeconds")
        first = "" if offset is None else f", first at {_duration(offset)}"
        return f"every {_duration(every)} of live time{first}"
    if kind == "session":
        return f"when a session is {trigger.get('on')}"
    if kind == "obs":
        which = trigger.get("scene") or trigger.get("input")
        return f"on OBS {trigger.get('event')}" + (f" ({which})" if which else "")
    if kind == "webhook":
        return "when its webhook is called"
    return str(kind)


def _when(stamp: str) -> str:
    """A server time in this computer's time zone: the time today, else the date too."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    if moment.date() == datetime.now().astimezone().date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _delivery(rule: Rule) -> str:
    from .delivery_words import delivery_outcome

    fired = rule["lastFired"]
    if fired is None:
        return ""
    if fired["delivery"] is None:
        return "deleted with its session"
    outcome = delivery_outcome(fired["delivery"])
    return outcome.text if outcome else "pending"


NEVER_FIRED = "not fired yet"


def last_lines(rule: Rule) -> list[str]:
    """The rule's last firing and the last time it did not fire, newer first."""
    lines: list[tuple[str, str]] = []
    fired, refused = rule["lastFired"], rule["lastRefused"]
    if fired is not None:
        lines.append(
            (fired["at"], f"fired {_when(fired['at'])}: {fired['activationId']}, {_delivery(rule)}")
        )
    if refused is not None:
        lines.append(
            (
                refused["at"],
                f"not fired {_when(refused['at'])} ({refused['code']}): {refused['reason']}",
            )
        )
    if not lines:
        return [NEVER_FIRED]
    return [text for _, text in sorted(lines, reverse=True)]
