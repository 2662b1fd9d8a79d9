"""Sign-ins: refresh-token families, their rotation, reuse detection and revocation.

A sign-in (an `auth_sessions` row) is a family of refresh tokens; each refresh spends
one token and issues the next. Access tokens carry the family's id, so revoking the
family ends them at once. Every function runs inside the caller's write transaction.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from .errors import unauthorized
from .infra.ids import iso, new_id
from .infra.tokens import TokenCodec, hash_secret, new_refresh_token


@dataclass(frozen=True)
class TokenPair:
    creator_id: str
    access: str
    refresh: str


def _issue(
    conn: sqlite3.Connection, tokens: TokenCodec, refresh_ttl: int, creator_id: str, family_id: str
) -> TokenPair:
    refresh = new_refresh_token()
    conn.execute(
        "INSERT INTO refresh_tokens (id, family_id, token_hash, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (new_id("rt"), family_id, hash_secret(refresh), iso(), time.time() + refresh_ttl),
    )
    return TokenPair(creator_id, tokens.issue(creator_id, family_id), refresh)


def start(
    conn: sqlite3.Connection, tokens: TokenCodec, refresh_ttl: int, creator_id: str
) -> TokenPair:
    """A new sign-in for a creator whose password was just checked."""
    family_id = new_id("as")
    conn.execute(
        "INSERT INTO auth_sessions (id, creator_id, created_at) VALUES (?, ?, ?)",
        (family_id, creator_id, iso()),
    )
    return _issue(conn, tokens, refresh_ttl, creator_id, family_id)


def revoke(conn: sqlite3.Connection, family_id: str, reason: str) -> None:
    conn.execute(
        "UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ? "
        "WHERE id = ? AND revoked_at IS NULL",
        (iso(), reason, family_id),
    )


def rotate(
    conn: sqlite3.Connection, tokens: TokenCodec, refresh_ttl: int, refresh_token: str
) -> TokenPair | None:
    """Spend `refresh_token` and issue the next pair; None when it was already spent.

    A spent token presented again means it leaked (or a client lost an answer): the
    whole family is revoked here, and the caller must COMMIT that before refusing.
    Unknown, revoked and expired tokens raise 401 at once.
    """
    row = conn.execute(
        "SELECT t.id, t.family_id, t.expires_at, s.creator_id, s.revoked_at "
        "FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.family_id WHERE t.token_hash = ?",
        (hash_secret(refresh_token),),
    ).fetchone()
    if row is None or row["revoked_at"] is not None:
        raise unauthorized(
            "That refresh token is not valid; sign in again.", "invalid_refresh_token"
        )
    if row["expires_at"] < time.time():
        raise unauthorized("Your sign-in has expired; sign in again.", "refresh_token_expired")
    # The conditional UPDATE is the single point of truth: of N racing refreshes
    # exactly one sees rowcount 1.
    spent = conn.execute(
        "UPDATE refresh_tokens SET spent_at = ? WHERE id = ? AND spent_at IS NULL",
        (iso(), row["id"]),
    ).rowcount
    if spent == 0:
        revoke(conn, row["family_id"], "refresh_token_reused")
        return None
    return _issue(conn, tokens, refresh_ttl, row["creator_id"], row["family_id"])


def log_out(conn: sqlite3.Connection, refresh_token: str) -> None:
    """End the sign-in `refresh_token` belongs to; unknown tokens change nothing."""
    row = conn.execute(
        "SELECT family_id FROM refresh_tokens WHERE token_hash = ?", (hash_secret(refresh_token),)
    ).fetchone()
    if row is not None:
        revoke(conn, row["family_id"], "logout")
