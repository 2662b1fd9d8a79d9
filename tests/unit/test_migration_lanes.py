"""m005 and m006 on a database that already has activations and effects: nothing is
lost, and the old rows get the defaults the API promises (docs/AGENT.md)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import sqlite_utils

from streamfx_server.infra.migrations import migrations


def test_an_upgraded_database_keeps_its_rows_with_pending_deliveries(tmp_path: Path):
    db = sqlite_utils.Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m005_lanes_and_delivery")
    db.execute(
        "INSERT INTO creators (id, email, display_name, password_hash, created_at, updated_at) "
        "VALUES ('cr_1', 'a@example.com', 'A', 'x', 't', 't')"
    )
    db.execute(
        "INSERT INTO stream_sessions (id, creator_id, platform, status, start_time) "
        "VALUES ('ss_1', 'cr_1', 'twitch', 'active', 't')"
    )
    db.execute(
        "INSERT INTO effect_activations VALUES "
        "('act_1', 'fx_flash', 'ss_1', 'cr_1', '2025-01-01T00:00:00.000Z', 1, 'api', '{}')"
    )
    migrations.apply(db, stop_before="m006_delivery_expiry")
    row = db.execute(
        "SELECT id, delivery_status, delivery_reason, drawn_at, latency_ms, overlay_pages, "
        "idempotency_key FROM effect_activations"
    ).fetchall()
    assert row == [("act_1", "pending", None, None, None, 0, None)]
    assert db.execute("SELECT DISTINCT queue_mode, max_delay_ms FROM effects").fetchall() == [
        ("queue", 5000)
    ]
    db.close()


def _old_database(path: Path) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m006_delivery_expiry")
    db.execute(
        "INSERT INTO creators (id, email, display_name, password_hash, created_at, updated_at) "
        "VALUES ('cr_1', 'a@example.com', 'A', 'x', 't', 't')"
    )
    db.execute(
        "INSERT INTO stream_sessions (id, creator_id, platform, status, start_time) "
        "VALUES ('ss_1', 'cr_1', 'twitch', 'active', 't')"
    )
    return db


def _activation(db: sqlite_utils.Database, act_id: str, at_ms: int, render: dict) -> None:
    db.execute(
        "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, triggered_at, "
        "triggered_ms, source, render) VALUES (?, 'fx_flash', 'ss_1', 'cr_1', 't', ?, 'api', ?)",
        (act_id, at_ms, json.dumps(render)),
    )


def test_m006_gives_every_activation_its_expiry_and_closes_long_dead_ones(tmp_path: Path):
    db = _old_database(tmp_path / "old.db")
    now_ms = int(time.time() * 1000)
    _activation(db, "act_old", 1_000, {"kind": "flash"})  # before maxDelayMs existed
    _activation(db, "act_recent", now_ms, {"kind": "flash", "maxDelayMs": 700})
    _activation(db, "act_shown", 2_000, {"kind": "flash", "maxDelayMs": 900})
    db.execute("UPDATE effect_activations SET delivery_status = 'shown' WHERE id = 'act_shown'")
    migrations.apply(db)
    rows = db.execute(
        "SELECT id, expires_ms, delivery_status, delivery_reason FROM effect_activations "
        "ORDER BY id"
    ).fetchall()
    assert rows == [
        # Long past its time: closed, with no event to flood anyone's connections.
        ("act_old", 6_000, "expired", "no delivery was reported"),
        # Still within reach of a late report: left to the sweeper.
        ("act_recent", now_ms + 700, "pending", None),
        ("act_shown", 2_900, "shown", None),
    ]
    plan = db.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM effect_activations WHERE delivery_status = 'pending' "
        "AND expires_ms <= ? AND (expires_ms, id) > (?, ?) ORDER BY expires_ms, id LIMIT 100",
        (now_ms, -1, ""),
    ).fetchall()
    assert "idx_activations_pending" in str(plan), plan
    db.close()
