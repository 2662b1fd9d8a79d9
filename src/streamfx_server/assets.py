"""Uploaded files as database rows: one row per creator and content, one file per content."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from .infra.ids import iso, new_id
from .uploads import Received


def record(conn: sqlite3.Connection, creator_id: str, received: Received, file_name: str) -> str:
    """The creator's asset row for this content (made if new); returns its id."""
    row = conn.execute(
        "SELECT id FROM assets WHERE creator_id = ? AND sha256 = ?", (creator_id, received.sha256)
    ).fetchone()
    if row is not None:
        return str(row["id"])
    asset_id = new_id("ast")
    conn.execute(
        "INSERT INTO assets (id, creator_id, sha256, content_type, size, original_name, path, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            asset_id,
            creator_id,
            received.sha256,
            received.content_type,
            received.size,
            received.original_name,
            file_name,
            iso(),
        ),
    )
    return asset_id


def release(conn: sqlite3.Connection, asset_id: str, directory: Path) -> None:
    """Forget an asset no effect uses any more, and its file once no creator has it.

    Runs inside the write transaction, like `uploads.place`, so a concurrent
    upload of the same content cannot lose its file.
    """
    if conn.execute("SELECT 1 FROM effects WHERE asset_id = ? LIMIT 1", (asset_id,)).fetchone():
        return
    row = conn.execute("SELECT sha256, path FROM assets WHERE id = ?", (asset_id,)).fetchone()
    if row is None:
        return
    conn.execute("DELETE FROM assets WHERE id = ?", (asset_id,))
    if not conn.execute(
        "SELECT 1 FROM assets WHERE sha256 = ? LIMIT 1", (row["sha256"],)
    ).fetchone():
        with contextlib.suppress(FileNotFoundError):
            (directory / Path(row["path"]).name).unlink()


def readable(conn: sqlite3.Connection, creator_id: str, sha256: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT content_type, path FROM assets WHERE creator_id = ? AND sha256 = ?",
        (creator_id, sha256),
    ).fetchone()
