"""Who is asking: access tokens, sign-ins (token families) and overlay keys, resolved to a creator.

An access token names a creator and the sign-in (refresh-token family) it came from;
it counts only while that sign-in is live. An overlay key is a long-lived,
listen-only credential for OBS's Browser Source: it can receive events and read
assets, nothing else.
"""

from __future__ import annotations

import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from typing import NamedTuple

from .errors import unauthorized
from .infra.db import Database
from .infra.ids import iso
from .infra.tokens import AccessClaims, TokenCodec, TokenError, hash_secret

# A recognisable prefix (like GitHub's `ghp_`): the WebSocket tells overlay keys from
# access tokens by it, and a key pasted somewhere it should not be is easy to spot.
OVERLAY_KEY_PREFIX = "sfo_"
MAX_OVERLAY_KEY_LENGTH = 200


@dataclass(frozen=True)
class Creator:
    id: str
    email: str
    display_name: str
    role: str
    tier: str
    family_id: str

    @classmethod
    def from_row(cls, row: sqlite3.Row, family_id: str) -> Creator:
        return cls(
            row["id"],
            row["email"],
            row["display_name"],
            row["role"],
            row["subscription_tier"],
            family_id,
        )


class SignIn(NamedTuple):
    """A creator's sign-in (token family) that still has to be checked."""

    creator_id: str
    family_id: str


def decode_access(tokens: TokenCodec, token: str) -> AccessClaims:
    """Check an access token's signature and lifetime (no database)."""
    try:
        return tokens.decode(token)
    except TokenError as exc:
        if str(exc) == "expired":
            raise unauthorized("Your sign-in has expired.", "token_expired") from None
        raise unauthorized("That access token is not valid.", "invalid_token") from None


def creator_for(conn: sqlite3.Connection, sign_in: SignIn | AccessClaims) -> Creator:
    """The creator of a sign-in, if it is still live (not logged out, not revoked)."""
    row = conn.execute(
        "SELECT c.* FROM auth_sessions s JOIN creators c ON c.id = s.creator_id "
        "WHERE s.id = ? AND s.creator_id = ? AND s.revoked_at IS NULL",
        (sign_in.family_id, sign_in.creator_id),
    ).fetchone()
    if row is None:
        raise unauthorized("This sign-in was ended; sign in again.", "session_revoked")
    return Creator.from_row(row, sign_in.family_id)


def authenticate(db: Database, tokens: TokenCodec, token: str) -> Creator:
    """Resolve an access token to its creator; the family must still be live."""
    return creator_for(db.conn(), decode_access(tokens, token))


def sign_in_is_live(db: Database, creator: Creator) -> bool:
    """Whether the sign-in a connection was opened with still stands (re-checked while it lives)."""
    row = db.one(
        "SELECT 1 FROM auth_sessions WHERE id = ? AND creator_id = ? AND revoked_at IS NULL",
        (creator.family_id, creator.id),
    )
    return row is not None


# -- Overlay keys -------------------------------------------------------------------------


def is_overlay_key(token: str) -> bool:
    return token.startswith(OVERLAY_KEY_PREFIX)


def overlay_creator(db: Database, key: str) -> Creator | None:
    """The creator whose current overlay key is `key`; an overlay key can only listen and read assets."""
    if not key or len(key) > MAX_OVERLAY_KEY_LENGTH:
        return None
    row = db.one("SELECT * FROM creators WHERE overlay_key_hash = ?", (hash_secret(key),))
    return Creator.from_row(row, family_id="overlay") if row else None


def overlay_key_is_current(db: Database, creator_id: str, key_hash: str) -> bool:
    """Whether `key_hash` is still the creator's overlay key (rotation replaces it)."""
    row = db.one("SELECT overlay_key_hash FROM creators WHERE id = ?", (creator_id,))
    current = row["overlay_key_hash"] if row else None
    return current is not None and hmac.compare_digest(current, key_hash)


def rotate_overlay_key(db: Database, creator_id: str) -> tuple[str, bool]:
    """A new overlay key for the creator, committed; the previous one stops working at once.
    Also whether there was a previous one (the first key replaces nothing)."""
    key = OVERLAY_KEY_PREFIX + secrets.token_urlsafe(32)
    with db.write() as conn:
        previous = conn.execute(
            "SELECT overlay_key_hash FROM creators WHERE id = ?", (creator_id,)
        ).fetchone()
        conn.execute(
            "UPDATE creators SET overlay_key_hash = ?, updated_at = ? WHERE id = ?",
            (hash_secret(key), iso(), creator_id),
        )
    return key, bool(previous and previous[0])
