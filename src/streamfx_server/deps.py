"""FastAPI dependencies: app state, database, the signed-in creator, tier guards."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, NamedTuple

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .db import Database
from .errors import APIError, unauthorized
from .state import AppState
from .tokens import AccessClaims, TokenError

TIERS = ("free", "creator", "professional", "enterprise")

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/auth/login")


# Plain accessors are `async def` so FastAPI calls them in place: a `def` dependency
# costs every request a round trip through the thread pool.
async def get_state(request: Request) -> AppState:
    return request.app.state.streamfx


async def get_db(state: Annotated[AppState, Depends(get_state)]) -> Database:
    return state.db


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


def decode_access(state: AppState, token: str) -> AccessClaims:
    """Check an access token's signature and lifetime (no database)."""
    try:
        return state.tokens.decode(token)
    except TokenError as exc:
        if str(exc) == "expired":
            raise unauthorized("Your sign-in has expired.", "token_expired") from None
        raise unauthorized("That access token is not valid.", "invalid_token") from None


class SignIn(NamedTuple):
    """A creator's sign-in (token family) that still has to be checked."""

    creator_id: str
    family_id: str


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


def authenticate(state: AppState, token: str) -> Creator:
    """Resolve an access token to its creator; the family must still be live."""
    return creator_for(state.db.conn(), decode_access(state, token))


def _bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("Sign in to continue: this needs an access token.", "missing_token")
    return credentials.credentials


def current_creator(
    state: Annotated[AppState, Depends(get_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Creator:
    return authenticate(state, _bearer_token(credentials))


async def current_claims(
    state: Annotated[AppState, Depends(get_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims:
    """A valid access token's claims, checked on the event loop (no database, no thread).

    For endpoints that check the sign-in is still live themselves, in their own
    transaction (`creator_for`): same answers as `current_creator`.
    """
    return decode_access(state, _bearer_token(credentials))


CurrentCreator = Annotated[Creator, Depends(current_creator)]
CurrentClaims = Annotated[AccessClaims, Depends(current_claims)]
DB = Annotated[Database, Depends(get_db)]
State = Annotated[AppState, Depends(get_state)]


def tier_at_least(tier: str, needed: str) -> bool:
    return TIERS.index(tier) >= TIERS.index(needed)


def require_tier(needed: str) -> Callable[[Creator], Creator]:
    """A dependency that lets only `needed` and higher tiers through."""
    if needed not in TIERS:
        raise ValueError(f"unknown tier {needed!r}")

    def guard(creator: CurrentCreator) -> Creator:
        if not tier_at_least(creator.tier, needed):
            raise APIError(
                403,
                "tier_required",
                f"This needs the {needed} tier or higher; your account is on {creator.tier}.",
                hint="Ask the server owner to run `streamfx server accounts set-tier`.",
                extra={"requiredTier": needed},
            )
        return creator

    return guard


def overlay_creator(state: AppState, key: str) -> Creator | None:
    """The creator whose current overlay key is `key`; an overlay key can only listen and read assets."""
    from .tokens import hash_secret

    if not key or len(key) > 200:
        return None
    row = state.db.one("SELECT * FROM creators WHERE overlay_key_hash = ?", (hash_secret(key),))
    return Creator.from_row(row, family_id="overlay") if row else None
