"""A finished stream session whose report is known in advance, for the report's tests.

The session is made over HTTP (a brand kit of its own, a title), ended, and then given
its history by writing rows straight into the server's database: a start and end time
55 minutes apart, two pauses, and twelve activations at known moments with known
deliveries and latencies. `EXPECTED` is its report, worked out by hand in the comments.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .accounts import TestCreator
from .live_server import LiveServer

KIT_COLORS = {
    "primary": "#E4572E",
    "secondary": "#17BEBB",
    "accent": "#FFC914",
    "background": "#101820",
    "text": "#F4F4F9",
}
TITLE = "Launch day"
START = datetime(2026, 3, 14, 19, 0, tzinfo=UTC)
END = START + timedelta(minutes=55)
# 19:20-19:30 and 19:42-19:45: 13 minutes paused, 42 live.
PAUSES = (
    (timedelta(minutes=20), timedelta(minutes=30)),
    (timedelta(minutes=42), timedelta(minutes=45)),
)

_EFFECTS = {
    "banner": ("fx_banner", "text", "text"),
    "flash": ("fx_flash", "alert", "flash"),
    "confetti": ("fx_confetti", "celebration", "overlay"),
    "shake": ("fx_shake", "alert", "shake"),
}
# (minutes:seconds after the start, effect, source, delivery status, latency ms)
ACTIVATIONS = (
    ("01:00", "banner", "cli", "shown", 120),
    ("02:00", "flash", "hotkey", "shown", 80),
    ("05:00", "confetti", "tui", "overlay", 300),
    ("08:00", "flash", "hotkey", "hidden", 90),  # drawn but not seen: no latency counted
    ("12:00", "banner", "api", "failed", None),
    ("15:00", "confetti", "ws", "overlay", 200),
    ("18:00", "flash", "hotkey", "expired", None),
    # 19:20-19:30 paused: nothing
    ("33:00", "shake", "cli", "skipped", None),
    ("35:00", "banner", "cli", "shown", 150),
    ("41:00", "confetti", "tui", "overlay", 250),
    ("50:30", "flash", "hotkey", "shown", 60),
    ("54:59", "banner", "api", "pending", None),
)


def _at(offset: str) -> datetime:
    minutes, seconds = offset.split(":")
    return START + timedelta(minutes=int(minutes), seconds=int(seconds))


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _bucket(start_minute: int, total: int, by_category: dict, by_delivery: dict) -> dict:
    return {
        "start": stamp(START + timedelta(minutes=start_minute)),
        "total": total,
        "byCategory": by_category,
        "byDelivery": by_delivery,
    }


def expected(session_id: str) -> dict:
    """The report, by hand. Delivered: 4 shown + 3 overlay; meant to be drawn: those and
    1 hidden, 1 failed, 1 expired (skipped and pending count in neither): 7 / 10. Delivered
    latencies 60 80 120 150 200 250 300: nearest rank 4 of 7 is 150, rank 7 is 300."""
    return {
        "sessionId": session_id,
        "title": TITLE,
        "platform": "twitch",
        "status": "ended",
        "startTime": stamp(START),
        "endTime": stamp(END),
        "until": stamp(END),
        "liveSeconds": 42 * 60.0,
        "pausedSeconds": 13 * 60.0,
        "unplacedPausedSeconds": 0.0,
        "pausedSpans": [{"start": stamp(START + a), "end": stamp(START + b)} for a, b in PAUSES],
        "total": 12,
        "byEffect": {"banner": 4, "flash": 4, "confetti": 3, "shake": 1},
        "byCategory": {"alert": 5, "text": 4, "celebration": 3},
        "bySource": {"hotkey": 4, "cli": 3, "api": 2, "tui": 2, "ws": 1},
        "byDelivery": {
            "shown": 4,
            "overlay": 3,
            "expired": 1,
            "failed": 1,
            "hidden": 1,
            "pending": 1,
            "skipped": 1,
        },
        "deliveryRate": 0.7,
        "latencyMs": {"p50": 150, "p95": 300, "max": 300},
        "bucketSeconds": 600,
        "buckets": [
            _bucket(
                0,
                4,
                {"alert": 2, "celebration": 1, "text": 1},
                {"shown": 2, "hidden": 1, "overlay": 1},
            ),
            _bucket(
                10,
                3,
                {"alert": 1, "celebration": 1, "text": 1},
                {"expired": 1, "failed": 1, "overlay": 1},
            ),
            _bucket(20, 0, {}, {}),
            _bucket(30, 2, {"alert": 1, "text": 1}, {"shown": 1, "skipped": 1}),
            _bucket(40, 1, {"celebration": 1}, {"overlay": 1}),
            _bucket(50, 2, {"alert": 1, "text": 1}, {"pending": 1, "shown": 1}),
        ],
        "colors": KIT_COLORS,
    }


@dataclass(frozen=True)
class ScriptedSession:
    id: str
    kit_id: str

    @property
    def expected(self) -> dict:
        return expected(self.id)


def _render(slug: str) -> str:
    effect_id, category, kind = _EFFECTS[slug]
    name = slug.title()
    return json.dumps(
        {
            "kind": kind,
            "effect": {"id": effect_id, "slug": slug, "name": name, "category": category},
            "colors": KIT_COLORS,
        }
    )


def script_session(server: LiveServer, creator: TestCreator) -> ScriptedSession:
    """Make the session over HTTP, then write its history into the server's database."""
    kit = creator.client.post(
        "/api/brand-kit", json={"name": "Launch", "colorPalette": KIT_COLORS}
    ).json()
    session = creator.client.post(
        "/api/sessions/start",
        json={"platform": "twitch", "brandKitId": kit["id"], "title": TITLE},
    ).json()
    ended = creator.client.post("/api/sessions/end", json={"sessionId": session["id"]})
    assert ended.status_code == 200, ended.text
    with sqlite3.connect(server.data_dir / "streamfx.db", timeout=10) as db:
        db.execute(
            "UPDATE stream_sessions SET start_time = ?, end_time = ?, paused_seconds = ? "
            "WHERE id = ?",
            (stamp(START), stamp(END), 13 * 60.0, session["id"]),
        )
        db.executemany(
            "INSERT INTO session_pauses (session_id, paused_at, resumed_at) VALUES (?, ?, ?)",
            [(session["id"], stamp(START + a), stamp(START + b)) for a, b in PAUSES],
        )
        for number, (offset, slug, source, status, latency) in enumerate(ACTIVATIONS):
            moment = _at(offset)
            at_ms = int(moment.timestamp() * 1000)
            drawn = None if latency is None else stamp(moment + timedelta(milliseconds=latency))
            db.execute(
                "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, "
                "triggered_at, triggered_ms, source, render, delivery_status, drawn_at, "
                "latency_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    f"act_{session['id']}_{number}",
                    _EFFECTS[slug][0],
                    session["id"],
                    creator.id,
                    stamp(moment),
                    at_ms,
                    source,
                    _render(slug),
                    status,
                    drawn,
                    latency,
                    # Far ahead: the server's expiry sweeper leaves the pending one pending.
                    2**53 if status == "pending" else at_ms + 5000,
                ),
            )
    return ScriptedSession(session["id"], kit["id"])
