"""The panel's view of the world, without Textual: effects in grid order, cooldowns,
the session clock, and how things are written on screen (an activation's source and
delivery: delivery_words.py, shared with `streamfx activity`).

Everything here is plain data and arithmetic so it can be tested and reasoned
about without a terminal; the widgets only render what these objects say.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from streamfx_wire.vocabulary import (
    CATEGORIES,
    DEFAULT_PALETTE,
    DEFAULT_TYPOGRAPHY,
    PALETTE_ROLES,
)
from streamfx_wire.vocabulary import DEFAULT_MOTION_INTENSITY as DEFAULT_MOTION

# A live session is either of these, wherever the panel writes its state.
LIVE_BADGE = "● LIVE"
PAUSED_BADGE = "❚❚ PAUSED"

# Number keys 1..9 fire the effects the server says hold them (docs/PANEL.md "Keys").
NUMBER_KEYS = 9


def format_clock(seconds: float) -> str:
    """1234.5 -> '0:20:34' (hours are never dropped: a stream runs for hours)."""
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def parse_time(stamp: str | None) -> float | None:
    """An ISO-8601 time from the server as a Unix timestamp, or None."""
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def category_rank(category: str) -> int:
    try:
        return CATEGORIES.index(category)
    except ValueError:
        return len(CATEGORIES)


@dataclass(frozen=True)
class Effect:
    id: str
    slug: str
    name: str
    category: str
    kind: str
    duration_ms: int
    cooldown_ms: int
    built_in: bool
    key: int | None = None  # the number key that fires it (docs/PANEL.md "Keys")

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Effect:
        key = data.get("key")
        return cls(
            id=str(data["id"]),
            slug=str(data.get("slug", data["id"])),
            name=str(data.get("name", data["id"])),
            category=str(data.get("category", "custom")),
            kind=str(data.get("kind", "")),
            duration_ms=int(data.get("durationMs") or 0),
            cooldown_ms=int(data.get("cooldownMs") or 0),
            built_in=bool(data.get("builtIn", False)),
            key=key if isinstance(key, int) and 1 <= key <= NUMBER_KEYS else None,
        )


def keyed_by_place(effects: Iterable[Effect]) -> list[Effect]:
    """A server older than stored keys sends none: keys by place in the grid, as then."""
    order = grid_order(effects)
    return [
        replace(e, key=place + 1 if place < NUMBER_KEYS else None) for place, e in enumerate(order)
    ]


def grid_order(effects: Iterable[Effect]) -> list[Effect]:
    """Category order, built-ins first within a category, then by name."""
    return sorted(
        effects, key=lambda e: (category_rank(e.category), not e.built_in, e.name.lower(), e.slug)
    )


def grouped(effects: Iterable[Effect]) -> list[tuple[str, list[Effect]]]:
    """(category, effects) in grid order, only categories that have effects."""
    groups: dict[str, list[Effect]] = {}
    for effect in grid_order(effects):
        groups.setdefault(effect.category, []).append(effect)
    return list(groups.items())


@dataclass(frozen=True)
class BrandKit:
    id: str | None  # None: the server's defaults (no kit at all)
    name: str
    palette: dict[str, str]
    heading_font: str
    body_font: str
    base_size: int
    motion: int
    allowed: tuple[str, ...]

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> BrandKit:
        palette = {**DEFAULT_PALETTE, **(data.get("colorPalette") or {})}
        typo = {**DEFAULT_TYPOGRAPHY, **(data.get("typography") or {})}
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", data["id"])),
            palette={k: str(palette[k]) for k in PALETTE_ROLES},
            heading_font=str(typo["headingFont"]),
            body_font=str(typo["bodyFont"]),
            base_size=int(typo["baseSize"]),
            motion=int(data.get("motionIntensity") or DEFAULT_MOTION),
            allowed=tuple(data.get("allowedCategories") or CATEGORIES),
        )

    @classmethod
    def defaults(cls) -> BrandKit:
        return cls(
            id=None,
            name="StreamFX defaults",
            palette=dict(DEFAULT_PALETTE),
            heading_font=DEFAULT_TYPOGRAPHY["headingFont"],
            body_font=DEFAULT_TYPOGRAPHY["bodyFont"],
            base_size=int(DEFAULT_TYPOGRAPHY["baseSize"]),
            motion=DEFAULT_MOTION,
            allowed=CATEGORIES,
        )

    def allows(self, category: str) -> bool:
        return category in self.allowed


@dataclass
class SessionView:
    """The live session and a clock that runs between the server's updates."""

    id: str
    platform: str
    status: str  # active | paused | ended
    title: str | None
    brand_kit_id: str | None
    metrics: dict[str, Any]
    base_seconds: float
    base_at: float = field(default_factory=time.monotonic)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> SessionView:
        return cls(
            id=str(data["id"]),
            platform=str(data.get("platform", "")),
            status=str(data.get("status", "active")),
            title=data.get("title"),
            brand_kit_id=data.get("brandKitId"),
            metrics=dict(data.get("metrics") or {}),
            base_seconds=float(data.get("liveDurationSeconds") or 0.0),
        )

    @property
    def live(self) -> bool:
        return self.status in ("active", "paused")

    @property
    def badge(self) -> str:
        """How a live session's state is written, the same in the header and the panel."""
        return LIVE_BADGE if self.status == "active" else PAUSED_BADGE

    def seconds(self, now: float | None = None) -> float:
        if self.status != "active":
            return self.base_seconds
        return self.base_seconds + max(0.0, (now or time.monotonic()) - self.base_at)

    @property
    def effects_fired(self) -> int:
        return int(self.metrics.get("effectsTriggered") or 0)

    @property
    def by_category(self) -> list[tuple[str, int]]:
        counts = self.metrics.get("byCategory") or {}
        return sorted(
            ((str(k), int(v)) for k, v in counts.items()), key=lambda kv: category_rank(kv[0])
        )


class Cooldowns:
    """When each effect may fire again, from every activation the panel hears of.

    The server counts cooldowns per creator and effect across sessions and
    sources, so an activation from a hotkey cools the panel's tile too. The
    server stays the judge: a refusal's `retryAfterMs` corrects what we know.
    """

    def __init__(self) -> None:
        self._until: dict[str, float] = {}  # effect id -> time.monotonic() deadline

    def fired(
        self,
        effect_id: str,
        cooldown_ms: int,
        triggered_at: str | None = None,
        *,
        wall_now: float | None = None,
        now: float | None = None,
    ) -> None:
        if cooldown_ms <= 0:
            return
        now = time.monotonic() if now is None else now
        elapsed_ms = 0.0
        stamp = parse_time(triggered_at)
        if stamp is not None:
            # Same machine in the usual case; clamp so a skewed clock never hides a tile
            # for longer than its cooldown nor ends it early by more than the skew.
            elapsed_ms = min(max(((wall_now or time.time()) - stamp) * 1000, 0.0), cooldown_ms)
        self.hold(effect_id, cooldown_ms - elapsed_ms, now=now)

    def hold(self, effect_id: str, remaining_ms: float, *, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        until = now + max(0.0, remaining_ms) / 1000
        if until > self._until.get(effect_id, 0.0):
            self._until[effect_id] = until

    def remaining(self, effect_id: str, now: float | None = None) -> float:
        """Seconds until `effect_id` may fire again (0 when it may now)."""
        until = self._until.get(effect_id)
        if until is None:
            return 0.0
        left = until - (time.monotonic() if now is None else now)
        if left <= 0:
            del self._until[effect_id]
            return 0.0
        return left

    def active(self) -> bool:
        return bool(self._until)


@dataclass(frozen=True)
class TileState:
    """What one effect tile shows: fire-able, cooling down, or not allowed by the kit."""

    ready: bool
    note: str  # "" when ready; "1.4s" while cooling; "not in kit" when disallowed


def tile_state(effect: Effect, kit: BrandKit, cooldown_left: float) -> TileState:
    if not kit.allows(effect.category):
        return TileState(False, "not in kit")
    if cooldown_left > 0:
        return TileState(False, f"{cooldown_left:.1f}s")
    return TileState(True, "")


def motion_dots(level: int) -> str:
    level = max(1, min(5, int(level)))
    return "●" * level + "○" * (5 - level)


@dataclass(frozen=True)
class AgentHolder:
    """An agent drawing in one OBS (docs/AGENT.md "Lease")."""

    agent_id: str
    target: str
