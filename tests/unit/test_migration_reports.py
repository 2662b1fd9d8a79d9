"""m007 and m008 on a database that already has sessions and activations: what the
report needs is there for the old rows too, and nothing is made up (docs/REPORTS.md)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

from streamfx_server.infra.migrations import migrations


def _old_database(path: Path) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m007_session_pauses")
    db.execute(
        "INSERT INTO creators (id, email, display_name, password_hash, created_at, updated_at) "
        "VALUES ('cr_1', 'a@example.com', 'A', 'x', 't', 't')"
    )
    return db


def _session(
    db: sqlite_utils.Database, session_id: str, status: str, paused_at: str | None
) -> None:
    db.execute(
        "INSERT INTO stream_sessions (id, creator_id, platform, status, start_time, paused_at, "
        "paused_seconds) VALUES (?, 'cr_1', 'twitch', ?, '2026-01-01T00:00:00.000Z', ?, 120)",
        (session_id, status, paused_at),
    )


def test_a_session_paused_during_the_upgrade_keeps_its_open_pause(tmp_path: Path):
    db = _old_database(tmp_path / "old.db")
    _session(db, "ss_paused", "paused", "2026-01-01T01:00:00.000Z")
    _session(db, "ss_ended", "ended", None)
    migrations.apply(db)
    # The ended session's two minutes of pauses have no known moments: no span is invented.
    assert db.execute(
        "SELECT session_id, paused_at, resumed_at FROM session_pauses"
    ).fetchall() == [("ss_paused", "2026-01-01T01:00:00.000Z", None)]
    db.close()


def test_old_activations_get_the_slug_and_category_they_were_fired_with(tmp_path: Path):
    db = _old_database(tmp_path / "old.db")
    _session(db, "ss_1", "active", None)
    renders = {
        "act_1": json.dumps({"kind": "text", "effect": {"slug": "hello", "category": "text"}}),
        "act_2": json.dumps({"kind": "flash"}),  # a render from before `effect` was in it
        "act_3": "not json",  # none is written so, but it must not stop the upgrade
    }
    for act_id, render in renders.items():
        db.execute(
            "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, "
            "triggered_at, triggered_ms, source, render) VALUES (?, 'fx_x', 'ss_1', 'cr_1', "
            "'t', 1, 'api', ?)",
            (act_id, render),
        )
    migrations.apply(db)
    rows = db.execute(
        "SELECT id, effect_slug, category FROM effect_activations ORDER BY id"
    ).fetchall()
    assert rows == [("act_1", "hello", "text"), ("act_2", None, None), ("act_3", None, None)]
    db.close()
