"""FastAPI dependencies: app state, database, the signed-in creator, tier guards."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .db import Database
from .errors import APIError, unauthorized
from .state import AppState
from .tokens import TokenError

TIERS = ("free", "creator", "professional", "enterprise")

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/auth/login")


def get_state(request: Request) -> AppState:
    return request.app.state.streamfx


def get_db(state: Annotated[AppState, Depends(get_state)]) -> Database:
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


def authenticate(state: AppState, token: str) -> Creator:
    """Resolve an access token to its creator; the family must still be live."""
    try:
        claims = state.tokens.decode(token)
    except TokenError as exc:
        if str(exc) == "expired":
            raise unauthorized("Your sign-in has expired.", "token_expired") from None
        raise unauthorized("That access token is not valid.", "invalid_token") from None
    row = state.db.one(
        "SELECT c.* FROM auth_sessions s JOIN creators c ON c.id = s.creator_id "
        "WHERE s.id = ? AND s.creator_id = ? AND s.revoked_at IS NULL",
        (claims.family_id, claims.creator_id),
    )
    if row is None:
        raise unauthorized("This sign-in was ended; sign in again.", "session_revoked")
    return Creator.from_row(row, claims.family_id)


def current_creator(
    state: Annotated[AppState, Depends(get_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Creator:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("Sign in to continue: this needs an access token.", "missing_token")
    return authenticate(state, credentials.credentials)


CurrentCreator = Annotated[Creator, Depends(current_creator)]
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
