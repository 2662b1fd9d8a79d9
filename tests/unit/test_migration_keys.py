"""m012 on a database with creators: each keeps the number keys the panel showed them
until then, the first nine effects of its grid (docs/PANEL.md "Keys")."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from streamfx_server.infra.migrations import migrations


def _creator(db: sqlite_utils.Database, creator_id: str) -> None:
    db.execute(
        "INSERT INTO creators (id, email, display_name, password_hash, created_at, updated_at) "
        "VALUES (?, ?, 'A', 'x', 't', 't')",
        (creator_id, f"{creator_id}@example.com"),
    )


def _effect(db: sqlite_utils.Database, creator_id: str, slug: str, category: str) -> None:
    db.execute(
        "INSERT INTO effects (id, creator_id, slug, name, category, kind, params, duration_ms, "
        "cooldown_ms, created_at) VALUES (?, ?, ?, ?, ?, 'overlay', '{}', 1000, 0, 't')",
        (f"fx_{creator_id}_{slug}", creator_id, slug, slug.title(), category),
    )


def test_upgraded_creators_keep_the_keys_their_grid_gave_them(tmp_path: Path):
    db = sqlite_utils.Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m012_effect_keys")
    _creator(db, "cr_a")
    _creator(db, "cr_b")
    # A's grid: Confetti, Hype (celebration, built-ins first), Flash, Shake (alert),
    # Brb (transition), Sparkles (ambient), Horn (sound), Banner (text), Mine, Yours (custom).
    for slug, category in [("yours", "custom"), ("hype", "celebration"), ("horn", "sound")]:
        _effect(db, "cr_a", slug, category)
    _effect(db, "cr_a", "mine", "custom")
    migrations.apply(db)
    rows = db.execute(
        "SELECT k.creator_id, k.number, e.slug FROM effect_keys k JOIN effects e "
        "ON e.id = k.effect_id ORDER BY k.creator_id, k.number"
    ).fetchall()
    a_keys = [slug for creator, _, slug in rows if creator == "cr_a"]
    b_keys = [slug for creator, _, slug in rows if creator == "cr_b"]
    assert a_keys == [
        "confetti",
        "hype",
        "flash",
        "shake",
        "brb",
        "sparkles",
        "horn",
        "banner",
        "mine",
    ]
    assert [n for creator, n, _ in rows if creator == "cr_a"] == list(range(1, 10))
    assert b_keys == ["confetti", "flash", "shake", "brb", "sparkles", "banner"]
    db.close()
