"""m005 on a database that already has activations and effects: nothing is lost, and
the old rows get the defaults the API promises (docs/AGENT.md)."""

from __future__ import annotations

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
    migrations.apply(db)
    row = db.execute(
        "SELECT id, delivery_status, delivery_reason, drawn_at, latency_ms, overlay_pages, "
        "idempotency_key FROM effect_activations"
    ).fetchall()
    assert row == [("act_1", "pending", None, None, None, 0, None)]
    assert db.execute("SELECT DISTINCT queue_mode, max_delay_ms FROM effects").fetchall() == [
        ("queue", 5000)
    ]
    db.close()
