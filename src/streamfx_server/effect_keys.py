"""Each creator's number keys: which effect key 1-9 of the panel fires (docs/PANEL.md "Keys").

A key belongs to its effect until the creator changes it: new effects take the
lowest free key (none when all nine are held), a new account's built-ins take the
first nine in the panel's grid order, deleting an effect frees its key (the row
goes with the effect, migrations m012), and giving an effect a key another
effect holds moves the key (that effect is then without one). Built-ins are
shared, but a creator's key for a built-in is the creator's own.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from streamfx_wire.vocabulary import CATEGORIES

FIRST_KEY = 1
LAST_KEY = 9


@dataclass(frozen=True)
class KeyChange:
    """What giving (or taking) a key did: `moved_from` is the effect that held it."""

    effect_id: str
    key: int | None
    moved_from: str | None = None


def key_of(conn: sqlite3.Connection, creator_id: str, effect_id: str) -> int | None:
    row = conn.execute(
        "SELECT number FROM effect_keys WHERE creator_id = ? AND effect_id = ?",
        (creator_id, effect_id),
    ).fetchone()
    return None if row is None else int(row[0])


def _free_keys(conn: sqlite3.Connection, creator_id: str) -> list[int]:
    held = {
        int(row[0])
        for row in conn.execute(
            "SELECT number FROM effect_keys WHERE creator_id = ?", (creator_id,)
        ).fetchall()
    }
    return [n for n in range(FIRST_KEY, LAST_KEY + 1) if n not in held]


def _hold(conn: sqlite3.Connection, creator_id: str, number: int, effect_id: str) -> None:
    conn.execute(
        "INSERT INTO effect_keys (creator_id, number, effect_id) VALUES (?, ?, ?)",
        (creator_id, number, effect_id),
    )


def give_next(conn: sqlite3.Connection, creator_id: str, effect_id: str) -> int | None:
    """A new effect takes the lowest free key; None when all nine are held."""
    free = _free_keys(conn, creator_id)
    if not free:
        return None
    _hold(conn, creator_id, free[0], effect_id)
    return free[0]


def give_imported(
    conn: sqlite3.Connection, creator_id: str, effect_id: str, number: int | None
) -> int | None:
    """An imported effect keeps the key it had where it was exported when that key is
    free here; else it is new like any other (no key here moves for an import)."""
    if number is not None and number in _free_keys(conn, creator_id):
        _hold(conn, creator_id, number, effect_id)
        return number
    return give_next(conn, creator_id, effect_id)


def give_built_ins(conn: sqlite3.Connection, creator_id: str) -> None:
    """A new account's keys: the built-ins in the panel's grid order (category, then name)."""
    rows = conn.execute(
        "SELECT id, slug, name, category FROM effects WHERE creator_id IS NULL"
    ).fetchall()

    def grid_place(row: sqlite3.Row) -> tuple[int, str, str]:
        category = row["category"]
        rank = CATEGORIES.index(category) if category in CATEGORIES else len(CATEGORIES)
        return rank, row["name"].lower(), row["slug"]

    for number, row in enumerate(sorted(rows, key=grid_place)[:LAST_KEY], start=FIRST_KEY):
        _hold(conn, creator_id, number, row["id"])


def assign(
    conn: sqlite3.Connection, creator_id: str, effect_id: str, number: int | None
) -> KeyChange:
    """Give the effect key `number` (moving it from the effect that holds it), or free
    its key (None). The effect must be one the creator can fire: the caller checks."""
    if number is None:
        conn.execute(
            "DELETE FROM effect_keys WHERE creator_id = ? AND effect_id = ?",
            (creator_id, effect_id),
        )
        return KeyChange(effect_id, None)
    holder = conn.execute(
        "SELECT effect_id FROM effect_keys WHERE creator_id = ? AND number = ?",
        (creator_id, number),
    ).fetchone()
    if holder is not None and holder[0] == effect_id:
        return KeyChange(effect_id, number)
    conn.execute(
        "DELETE FROM effect_keys WHERE creator_id = ? AND (number = ? OR effect_id = ?)",
        (creator_id, number, effect_id),
    )
    _hold(conn, creator_id, number, effect_id)
    return KeyChange(effect_id, number, None if holder is None else str(holder[0]))
