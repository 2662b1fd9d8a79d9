"""How an activation's source and its delivery are written for a person: one wording for
the panel's activity feed (tui/) and `streamfx activity` (docs/AGENT.md "Delivery record").

Plain data, standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SOURCE_LABELS = {
    "tui": "panel",
    "cli": "cli",
    "hotkey": "hotkey",
    "api": "api",
    "ws": "websocket",
    "replay": "replay",
    "rule": "rule",
}


def source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, source)


@dataclass(frozen=True)
class Outcome:
    """What came of an activation, in words, and its tone (ok | warn | bad | busy)."""

    text: str
    tone: str


def _with_reason(word: str, reason: object) -> str:
    return f"{word}: {reason}" if reason else word


def delivery_outcome(delivery: Mapping[str, Any] | None) -> Outcome | None:
    """The feed's words for a recorded delivery (docs/AGENT.md "Delivery record");
    None while it is still pending (the row keeps what it says)."""
    if not delivery:
        return None
    status = str(delivery.get("status") or "pending")
    if status == "pending":
        return None
    return outcome_of(status, delivery.get("reason"), delivery.get("latencyMs"))


def outcome_of(status: str, reason: object = None, latency_ms: object = None) -> Outcome:
    """The feed's words for a final delivery status: the same whether the panel saw it
    itself or the server's record says it."""
    if status == "shown":
        took = f" · {latency_ms} ms" if latency_ms is not None else ""
        return Outcome(f"shown in OBS{took}", "ok")
    if status == "overlay":
        pages = re.search(r"\d+", str(reason or ""))
        count = int(pages.group()) if pages else 1
        return Outcome(f"overlay · {count} page{'s' if count != 1 else ''}", "ok")
    if status in ("hidden", "skipped"):
        return Outcome(_with_reason(status, reason), "warn")
    if status in ("failed", "expired"):
        return Outcome(_with_reason(status, reason), "bad")
    return Outcome(_with_reason(status, reason), "warn")  # a status newer than this panel
