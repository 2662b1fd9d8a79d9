"""`GET /api/export`: a creator's brand kits, own effects and sessions with their
activations, as one JSON document written piece by piece (docs/EXPORT.md).

The whole document is read in one snapshot (`Database.snapshot`), so it is consistent
however long the download takes, and the activations come from one cursor a page at a
time: a session of a million activations never sits in memory at once. One record per
line, so a person can read the file and `grep` it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from . import activations, session_pauses
from .export_format import EXPORT_FORMAT, EXPORT_VERSION
from .infra.db import Database
from .infra.ids import iso

# Activations per chunk of the answer: about 0.5 MB of JSON each.
PAGE = 1000


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _origin(row: sqlite3.Row) -> str:
    """The id a record has in every export: where it was first made (export_format.py)."""
    return str(row["imported_from"] or row["id"])


def _kit(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": _origin(row),
        "name": row["name"],
        "colorPalette": json.loads(row["color_palette"]),
        "typography": json.loads(row["typography"]),
        "motionIntensity": row["motion_intensity"],
        "allowedCategories": json.loads(row["allowed_categories"]),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def _effect(row: sqlite3.Row) -> dict[str, Any]:
    asset = None
    if row["sha256"] is not None:
        asset = {
            "sha256": row["sha256"],
            "contentType": row["content_type"],
            "size": row["size"],
            "originalName": row["original_name"],
        }
    return {
        "id": _origin(row),
        "slug": row["slug"],
        "name": row["name"],
        "category": row["category"],
        "kind": row["kind"],
        "params": json.loads(row["params"]),
        "durationMs": row["duration_ms"],
        "cooldownMs": row["cooldown_ms"],
        "queueMode": row["queue_mode"],
        "maxDelayMs": row["max_delay_ms"],
        "key": row["key"],
        "createdAt": row["created_at"],
        "asset": asset,
    }


def _session(conn: sqlite3.Connection, row: sqlite3.Row, kit_ids: dict[str, str]) -> dict[str, Any]:
    kit = row["brand_kit_id"]
    # An ended session's pauses have all ended; only those go in the file.
    spans = [
        {"start": p.start, "end": p.end}
        for p in session_pauses.of_session(conn, row["id"])
        if p.end is not None
    ]
    return {
        "id": _origin(row),
        "platform": row["platform"],
        "status": row["status"],
        "brandKitId": kit_ids.get(kit, kit) if kit else None,
        "title": row["title"],
        "startTime": row["start_time"],
        "endTime": row["end_time"],
        "pausedSeconds": row["paused_seconds"],
        "pausedSpans": spans,
        "metrics": json.loads(row["metrics"] or "{}"),
    }


def _activation(row: sqlite3.Row, effect_ids: dict[str, str]) -> dict[str, Any]:
    effect = row["effect_id"]
    return {
        "id": _origin(row),
        # Built-ins keep their ids (the same on every server); an effect since deleted
        # keeps the id it had.
        "effectId": effect_ids.get(effect, effect),
        "triggeredAt": row["triggered_at"],
        "source": row["source"],
        # The rule that fired it (docs/RULES.md), as an id: a label, like the effect's.
        "ruleId": row["rule_id"],
        "render": json.loads(row["render"]),
        "delivery": activations.delivery_of(row),
        "params": None if row["params"] is None else json.loads(row["params"]),
    }


def _count(conn: sqlite3.Connection, table: str, creator_id: str) -> int:
    # `table` is one of the four fixed names below, never from a request.
    sql = f"SELECT COUNT(*) FROM {table} WHERE creator_id = ?"  # noqa: S608
    return int(conn.execute(sql, (creator_id,)).fetchone()[0])


def _records(items: list[str]) -> str:
    return "[" + ",".join("\n" + item for item in items) + ("\n]" if items else "]")


def stream(db: Database, creator_id: str) -> Iterator[str]:
    """The export of `creator_id`, in pieces of text that make one JSON document."""
    with db.snapshot() as conn:
        creator = conn.execute(
            "SELECT id, display_name FROM creators WHERE id = ?", (creator_id,)
        ).fetchone()
        kits = conn.execute(
            "SELECT * FROM brand_kits WHERE creator_id = ? ORDER BY created_at, id", (creator_id,)
        ).fetchall()
        effects = conn.execute(
            "SELECT e.*, a.sha256, a.content_type, a.size, a.original_name, k.number AS key "
            "FROM effects e LEFT JOIN assets a ON a.id = e.asset_id "
            "LEFT JOIN effect_keys k ON k.effect_id = e.id AND k.creator_id = e.creator_id "
            "WHERE e.creator_id = ? "
            "ORDER BY e.created_at, e.id",
            (creator_id,),
        ).fetchall()
        kit_ids = {row["id"]: _origin(row) for row in kits}
        effect_ids = {row["id"]: _origin(row) for row in effects}
        head = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exportedAt": iso(),
            "counts": {
                "brandKits": len(kits),
                "effects": len(effects),
                "sessions": _count(conn, "stream_sessions", creator_id),
                "activations": _count(conn, "effect_activations", creator_id),
            },
            "creator": {"id": creator["id"], "displayName": creator["display_name"]},
        }
        yield _dumps(head)[:-1]
        yield ',\n"brandKits":' + _records([_dumps(_kit(r)) for r in kits])
        yield ',\n"effects":' + _records([_dumps(_effect(r)) for r in effects])
        yield ',\n"sessions":['
        sessions = conn.execute(
            "SELECT * FROM stream_sessions WHERE creator_id = ? ORDER BY start_time, id",
            (creator_id,),
        )
        first = True
        for session in iter(lambda: sessions.fetchone(), None):
            yield ("\n" if first else ",\n") + _dumps(_session(conn, session, kit_ids))[:-1]
            yield ',"activations":['
            yield from _activation_pages(conn, creator_id, session["id"], effect_ids)
            yield "]}"
            first = False
        yield ("]" if first else "\n]") + "}\n"


def _activation_pages(
    conn: sqlite3.Connection, creator_id: str, session_id: str, effect_ids: dict[str, str]
) -> Iterator[str]:
    rows = conn.execute(
        "SELECT * FROM effect_activations WHERE session_id = ? AND creator_id = ? "
        "ORDER BY triggered_ms, id",
        (session_id, creator_id),
    )
    first = True
    while page := rows.fetchmany(PAGE):
        text = ",".join("\n" + _dumps(_activation(row, effect_ids)) for row in page)
        yield text if first else "," + text
        first = False
