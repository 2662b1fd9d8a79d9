"""Rows written straight into the server's database, for the in-process tests."""

from __future__ import annotations

from streamfx_server.identity import Creator
from streamfx_server.infra.ids import iso
from streamfx_server.sessions import EMPTY_METRICS
from streamfx_server.state import AppState


def add_creator(state: AppState, creator_id: str = "cr_a") -> Creator:
    """A free-tier creator with a live session (`ss_<creator_id>`)."""
    stamp = iso()
    with state.db.write() as conn:
        conn.execute(
            "INSERT INTO creators (id, email, display_name, password_hash, created_at, "
            "updated_at) VALUES (?, ?, 'A', 'x', ?, ?)",
            (creator_id, f"{creator_id}@example.com", stamp, stamp),
        )
        conn.execute(
            "INSERT INTO stream_sessions (id, creator_id, platform, status, start_time, metrics) "
            "VALUES (?, ?, 'twitch', 'active', ?, ?)",
            (f"ss_{creator_id}", creator_id, stamp, EMPTY_METRICS),
        )
    return Creator(creator_id, f"{creator_id}@example.com", "A", "member", "free", "as_x")
