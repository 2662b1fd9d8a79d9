"""Creator accounts: rows, public views, and the owner's admin operations."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from pydantic import Field

from .account_names import normalise_email
from .infra.db import Database
from .infra.ids import iso
from .schemas import ApiModel
from .tiers import known_tier


class CreatorOut(ApiModel):
    id: str
    email: str
    display_name: str
    role: str
    tier: str
    settings: dict[str, Any] = Field(default_factory=dict)
    created_at: str
    updated_at: str


def creator_out(row: sqlite3.Row) -> CreatorOut:
    return CreatorOut(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        role=row["role"],
        tier=row["subscription_tier"],
        settings=json.loads(row["settings"] or "{}"),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def get_creator_row(db: Database, creator_id: str) -> sqlite3.Row:
    row = db.one("SELECT * FROM creators WHERE id = ?", (creator_id,))
    if row is None:  # the auth join already found it; a delete in between is the only way here
        raise LookupError(creator_id)
    return row


def list_accounts(db: Database) -> list[CreatorOut]:
    return [creator_out(r) for r in db.all("SELECT * FROM creators ORDER BY created_at")]


def set_tier(db: Database, email: str, tier: str) -> CreatorOut:
    known_tier(tier)
    # Stored emails are normalised (account_names.py): look up the same spelling.
    email = normalise_email(email)
    with db.write() as conn:
        cur = conn.execute(
            "UPDATE creators SET subscription_tier = ?, updated_at = ? WHERE email = ?",
            (tier, iso(), email),
        )
        if cur.rowcount == 0:
            raise LookupError(f"No account with the email {email}.")
    row = db.one("SELECT * FROM creators WHERE email = ?", (email,))
    assert row is not None
    return creator_out(row)
