"""FastAPI dependencies: wiring only. Each one hands a route what it needs; the rules live elsewhere.

Who a token belongs to is `identity`; what a tier may do is `tiers`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import unauthorized
from .identity import Creator, authenticate, decode_access
from .infra.db import Database
from .infra.tokens import AccessClaims
from .state import AppState
from .tiers import check_tier, known_tier

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/auth/login")


# Plain accessors are `async def` so FastAPI calls them in place: a `def` dependency
# costs every request a round trip through the thread pool.
async def get_state(request: Request) -> AppState:
    return request.app.state.streamfx


async def get_db(state: Annotated[AppState, Depends(get_state)]) -> Database:
    return state.db


def _bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("Sign in to continue: this needs an access token.", "missing_token")
    return credentials.credentials


def current_creator(
    state: Annotated[AppState, Depends(get_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Creator:
    return authenticate(state.db, state.tokens, _bearer_token(credentials))


async def current_claims(
    state: Annotated[AppState, Depends(get_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims:
    """A valid access token's claims, checked on the event loop (no database, no thread).

    For endpoints that check the sign-in is still live themselves, in their own
    transaction (`identity.creator_for`): same answers as `current_creator`.
    """
    return decode_access(state.tokens, _bearer_token(credentials))


CurrentCreator = Annotated[Creator, Depends(current_creator)]
CurrentClaims = Annotated[AccessClaims, Depends(current_claims)]
DB = Annotated[Database, Depends(get_db)]
State = Annotated[AppState, Depends(get_state)]


def require_tier(needed: str) -> Callable[[Creator], Creator]:
    """A dependency that lets only `needed` and higher tiers through."""
    known_tier(needed)

    def guard(creator: CurrentCreator) -> Creator:
        check_tier(creator.tier, needed)
        return creator

    return guard
