"""One thing for the agent to draw: an activation (or a fire journaled while the server was down)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streamfx_wire.vocabulary import DEFAULT_MAX_DELAY_MS


@dataclass(frozen=True)
class Job:
    key: str  # activation id, or journal id
    render: Mapping[str, Any]
    triggered_ms: int  # wall clock, ms
    local_file: str | None = None  # set by the stage once an image or media file is fetched

    @property
    def kind(self) -> str:
        return str(self.render.get("kind", ""))

    @property
    def lane(self) -> str | None:
        lane = self.render.get("lane")
        return None if lane is None else str(lane)

    @property
    def queue_mode(self) -> str:
        return str(self.render.get("queueMode") or "queue")

    @property
    def max_delay_ms(self) -> int:
        value = self.render.get("maxDelayMs")
        return DEFAULT_MAX_DELAY_MS if value is None else int(value)

    @property
    def effect(self) -> str:
        return str((self.render.get("effect") or {}).get("slug") or self.kind)

    @property
    def name(self) -> str:
        return str((self.render.get("effect") or {}).get("name") or self.effect)

    def age_ms(self, now_ms: int) -> int:
        return max(0, now_ms - self.triggered_ms)

    @classmethod
    def from_activation(cls, activation: Mapping[str, Any]) -> Job:
        triggered = datetime.fromisoformat(str(activation["triggeredAt"]).replace("Z", "+00:00"))
        return cls(
            key=str(activation["id"]),
            render=activation["render"],
            triggered_ms=int(triggered.timestamp() * 1000),
        )
