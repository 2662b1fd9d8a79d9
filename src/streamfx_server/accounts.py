"""Creator accounts: creating them, their profile and settings, public views, and the owner's
admin operations."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from pydantic import Field

from . import effect_keys
from .account_names import normalise_email
from .errors import APIError
from .infra.db import Database
from .infra.ids import iso, new_id
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


def creator_in(conn: sqlite3.Connection, creator_id: str) -> CreatorOut:
    """The account as the API shows it, read on `conn` (inside the caller's transaction)."""
    return creator_out(
        conn.execute("SELECT * FROM creators WHERE id = ?", (creator_id,)).fetchone()
    )


def settings_event(creator: CreatorOut) -> dict[str, Any]:
    """The `settings.updated` message the creator's own sign-ins get (never overlays)."""
    return {"type": "settings.updated", "settings": creator.settings}


def password_hash_of(db: Database, email: str) -> sqlite3.Row | None:
    """`id` and `password_hash` of the account with this (normalised) email, if any."""
    return db.one("SELECT id, password_hash FROM creators WHERE email = ?", (email,))


# -- Sign-up ----------------------------------------------------------------------------


def check_signup(conn: sqlite3.Connection, allow_signup: bool, email: str) -> int:
    """Refuse a sign-up the server would refuse anyway; the number of accounts."""
    count = conn.execute("SELECT COUNT(*) FROM creators").fetchone()[0]
    if count > 0 and not allow_signup:
        raise APIError(
            403,
            "signup_closed",
            "This server does not accept new accounts.",
            hint="The owner can restart it with --allow-signup.",
        )
    if conn.execute("SELECT 1 FROM creators WHERE email = ?", (email,)).fetchone():
        raise APIError(
            409,
            "email_taken",
            "An account with that email already exists.",
            hint="Sign in with `streamfx login` instead.",
        )
    return count


def create(
    conn: sqlite3.Connection, allow_signup: bool, email: str, display_name: str, password_hash: str
) -> str:
    """A new account; the first one owns the server and gets every feature of it."""
    # Checked again: another sign-up may have taken the email (or the ownership of
    # a fresh server) while the password was being hashed.
    count = check_signup(conn, allow_signup, email)
    role, tier = ("owner", "enterprise") if count == 0 else ("member", "free")
    creator_id, stamp = new_id("cr"), iso()
    conn.execute(
        "INSERT INTO creators (id, email, display_name, password_hash, role, subscription_tier, "
        "settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?)",
        (creator_id, email, display_name, password_hash, role, tier, stamp, stamp),
    )
    effect_keys.give_built_ins(conn, creator_id)
    return creator_id


# -- Profile and settings ---------------------------------------------------------------

# The whole of `settings` after a PATCH is merged in: bounded, or 64 patches of 16 KB
# each would grow every /me, login and refresh answer to a megabyte.
MAX_SETTINGS_BYTES = 64 * 1024
MAX_SETTINGS_KEYS = 256


def _settings_text(settings: dict[str, Any]) -> str:
    """The merged settings as stored, or 422 if they would grow past the caps."""
    text = json.dumps(settings, allow_nan=False)
    if len(settings) > MAX_SETTINGS_KEYS or len(text.encode()) > MAX_SETTINGS_BYTES:
        raise APIError(
            422,
            "settings_too_large",
            f"Your settings would grow past {MAX_SETTINGS_BYTES // 1024} KB or "
            f"{MAX_SETTINGS_KEYS} keys; nothing was changed.",
            hint="Remove keys you no longer need (send them as null) in the same request.",
        )
    return text


def update_profile(
    conn: sqlite3.Connection,
    creator_id: str,
    display_name: str | None,
    settings_patch: dict[str, Any] | None,
) -> None:
    """A new display name (if given), and settings merged key by key (null removes a key)."""
    row = conn.execute("SELECT settings FROM creators WHERE id = ?", (creator_id,)).fetchone()
    settings = json.loads(row["settings"] or "{}")
    for key, value in (settings_patch or {}).items():
        if value is None:
            settings.pop(key, None)
        else:
            settings[key] = value
    conn.execute(
        "UPDATE creators SET display_name = COALESCE(?, display_name), settings = ?, "
        "updated_at = ? WHERE id = ?",
        (display_name, _settings_text(settings), iso(), creator_id),
    )


# -- The owner's admin operations ---------------------------------------------------------


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
