"""Stream sessions: the response model, live duration, and metrics kept up to date on each trigger."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from pydantic import Field

from .ids import now, parse_iso
from .schemas import ApiModel


class Metrics(ApiModel):
    effects_triggered: int = 0
    by_effect: dict[str, int] = Field(default_factory=dict, description="Count per effect slug.")
    by_category: dict[str, int] = Field(default_factory=dict)
    last_triggered_at: str | None = None


class SessionOut(ApiModel):
    id: str
    platform: str
    status: str
    brand_kit_id: str | None
    title: str | None
    start_time: str
    end_time: str | None
    paused_at: str | None
    live_duration_seconds: float = Field(description="Time live so far, not counting pauses.")
    metrics: Metrics


def live_seconds(row: sqlite3.Row, at: datetime) -> float:
    end = parse_iso(row["end_time"]) if row["end_time"] else at
    total = (end - parse_iso(row["start_time"])).total_seconds() - row["paused_seconds"]
    if row["paused_at"]:
        total -= (at - parse_iso(row["paused_at"])).total_seconds()
    return round(max(total, 0.0), 3)


def session_out(row: sqlite3.Row, at: datetime | None = None) -> SessionOut:
    return SessionOut(
        id=row["id"],
        platform=row["platform"],
        status=row["status"],
        brand_kit_id=row["brand_kit_id"],
        title=row["title"],
        start_time=row["start_time"],
        end_time=row["end_time"],
        paused_at=row["paused_at"],
        live_duration_seconds=live_seconds(row, at or now()),
        metrics=Metrics.model_validate(json.loads(row["metrics"] or "{}")),
    )


def count_trigger(metrics_json: str, slug: str, category: str, at: str) -> str:
    """The session's metrics JSON after one more activation."""
    metrics: dict[str, Any] = json.loads(metrics_json or "{}")
    metrics["effectsTriggered"] = int(metrics.get("effectsTriggered", 0)) + 1
    by_effect = metrics.setdefault("byEffect", {})
    by_effect[slug] = by_effect.get(slug, 0) + 1
    by_category = metrics.setdefault("byCategory", {})
    by_category[category] = by_category.get(category, 0) + 1
    metrics["lastTriggeredAt"] = at
    return json.dumps(metrics, separators=(",", ":"))


EMPTY_METRICS = Metrics().model_dump_json(by_alias=True)


def fetch(conn: sqlite3.Connection, creator_id: str, session_id: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM stream_sessions WHERE id = ? AND creator_id = ?", (session_id, creator_id)
    ).fetchone()


def live(conn: sqlite3.Connection, creator_id: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM stream_sessions WHERE creator_id = ? AND status != 'ended'", (creator_id,)
    ).fetchone()
