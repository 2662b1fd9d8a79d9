"""Accounts and tokens: register, login, refresh (rotating), logout, me.

Two rules hold throughout. Cheap refusals come before a password is hashed (a hash
is 64 MiB and ~300 ms, bounded server-wide by hash_slots.py). And an answer that can
fail to build (it reads stored settings) is built inside its transaction, before
COMMIT: a refresh that committed its rotation and then failed would leave the client
retrying a spent token, which ends the sign-in everywhere.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, Field, field_validator

from streamfx_wire.accounts import PASSWORD_MAX, PASSWORD_MIN

from .. import accounts, event_log, sign_ins
from ..account_names import normalise_email, refuse_invisible
from ..accounts import CreatorOut
from ..deps import DB, CurrentCreator, State
from ..errors import APIError, retry_later, unauthorized
from ..infra.passwords import hash_password, verify_password
from ..schemas import ApiModel
from ..state import AppState

router = APIRouter(prefix="/api/auth", tags=["auth"])

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def _check_email(value: str) -> str:
    value = normalise_email(refuse_invisible(value))
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("must be an email address like name@example.com")
    return value


def _login_email(value: str) -> str:
    return normalise_email(refuse_invisible(value))


# Normalised (NFKC, lower case) before any lookup: see account_names.py.
Email = Annotated[str, Field(max_length=254), AfterValidator(_check_email)]
# The rule the CLI states at its prompt and checks before sending (streamfx_wire.accounts).
Password = Annotated[str, Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
DisplayName = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(refuse_invisible)]


class RegisterIn(ApiModel):
    email: Email
    password: Password
    display_name: DisplayName

    @field_validator("display_name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class LoginIn(ApiModel):
    email: Annotated[str, Field(min_length=1, max_length=254), AfterValidator(_login_email)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class RefreshIn(ApiModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class TokenPair(ApiModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    creator: CreatorOut


class MePatch(ApiModel):
    display_name: DisplayName | None = None
    settings: dict[str, Any] | None = Field(
        default=None, description="Merged into the stored settings; a null value removes a key."
    )

    @field_validator("settings")
    @classmethod
    def _small(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(json.dumps(value)) > 16_384:
            raise ValueError("settings must stay under 16 KB")
        return value


def _rendered(model: ApiModel, status: int = 200) -> JSONResponse:
    """The answer, rendered to bytes now: called inside a transaction, anything about it
    that cannot be encoded (say, a stored NaN) raises before COMMIT, not after."""
    return JSONResponse(model.model_dump(mode="json", by_alias=True), status_code=status)


def _pair_response(
    state: AppState, conn: sqlite3.Connection, pair: sign_ins.TokenPair
) -> JSONResponse:
    return _rendered(
        TokenPair(
            access_token=pair.access,
            refresh_token=pair.refresh,
            expires_in=state.settings.access_ttl,
            creator=accounts.creator_in(conn, pair.creator_id),
        )
    )


def _create_account(
    state: AppState, email: str, display_name: str, password_hash: str
) -> JSONResponse:
    with state.db.write() as conn:
        creator_id = accounts.create(
            conn, state.settings.allow_signup, email, display_name, password_hash
        )
        return _rendered(accounts.creator_in(conn, creator_id), 201)


@router.post(
    "/register",
    status_code=201,
    response_model=CreatorOut,
    responses={
        403: {"description": "Sign-up is closed"},
        409: {"description": "Email taken"},
        429: {"description": "Too many sign-ups from this address"},
        503: {"description": "Busy hashing other passwords; see Retry-After"},
    },
)
async def register(body: RegisterIn, request: Request, state: State) -> Response:
    db, email = state.db, body.email
    # Cheap refusals first: a closed server or a taken email costs no hash.
    await anyio.to_thread.run_sync(
        lambda: accounts.check_signup(db.conn(), state.settings.allow_signup, email)
    )
    client = _client_key(request)
    wait = state.signups.reserve(client)
    if wait:
        raise retry_later(
            429,
            "too_many_signups",
            "Too many sign-ups from this address; wait before trying again.",
            wait,
        )
    try:
        password_hash = await state.hash_slots.run(hash_password, body.password)
    except APIError:
        state.signups.release(client)  # turned away before any work: not counted
        raise
    return await anyio.to_thread.run_sync(
        _create_account, state, email, body.display_name, password_hash
    )


def _client_key(request: Request) -> str:
    return f"client:{request.client.host if request.client else 'unknown'}"


def _too_many(wait: int) -> APIError:
    return retry_later(
        429, "too_many_attempts", "Too many failed sign-ins; wait before trying again.", wait
    )


def _reserve_attempt(state: AppState, email_key: str, client_key: str) -> None:
    """Count this sign-in attempt before its password is checked (see ratelimit.py), or 429."""
    wait = state.email_failures.reserve(email_key)
    if wait:
        raise _too_many(wait)
    wait = state.client_failures.reserve(client_key)
    if wait:
        state.email_failures.release(email_key)
        raise _too_many(wait)


def _start_sign_in(state: AppState, creator_id: str) -> JSONResponse:
    with state.db.write() as conn:
        pair = sign_ins.start(conn, state.tokens, state.settings.refresh_ttl, creator_id)
        return _pair_response(state, conn, pair)


@router.post(
    "/login",
    response_model=TokenPair,
    responses={
        401: {"description": "Wrong email or password"},
        429: {"description": "Throttled"},
        503: {"description": "Busy hashing other passwords; see Retry-After"},
    },
)
async def login(body: LoginIn, request: Request, state: State) -> Response:
    email_key, client_key = f"email:{body.email}", _client_key(request)
    _reserve_attempt(state, email_key, client_key)
    try:
        row = await anyio.to_thread.run_sync(accounts.password_hash_of, state.db, body.email)
        ok = await state.hash_slots.run(
            verify_password, row["password_hash"] if row else None, body.password
        )
    except BaseException:
        # No password was checked (the server was busy, or the client left): not a guess.
        state.email_failures.release(email_key)
        state.client_failures.release(client_key)
        raise
    if not ok:
        # The attempt stays counted as a failure.
        raise unauthorized(
            "Wrong email or password.", "invalid_credentials", hint="Check both and try again."
        )
    state.email_failures.reset(email_key)
    state.client_failures.release(client_key)
    assert row is not None
    return await anyio.to_thread.run_sync(_start_sign_in, state, row["id"])


@router.post(
    "/refresh", response_model=TokenPair, responses={401: {"description": "Refresh refused"}}
)
def refresh(body: RefreshIn, state: State, db: DB) -> Response:
    with db.write() as conn:
        pair = sign_ins.rotate(conn, state.tokens, state.settings.refresh_ttl, body.refresh_token)
        if pair is not None:
            # Built before COMMIT: if it cannot be, the rotation is rolled back and the
            # client's token still works once the fault is fixed.
            answer = _pair_response(state, conn, pair)
    if pair is None:
        # Raised after COMMIT so the revocation of the family sticks.
        raise unauthorized(
            "That refresh token was already used, so this sign-in was ended everywhere for safety.",
            "refresh_token_reused",
        )
    return answer


@router.post("/logout", status_code=204, response_class=Response)
def logout(body: RefreshIn, db: DB) -> Response:
    with db.write() as conn:
        sign_ins.log_out(conn, body.refresh_token)
    # Unknown tokens get the same answer: logging out is idempotent and reveals nothing.
    return Response(status_code=204)


@router.get("/me", response_model=CreatorOut)
def me(creator: CurrentCreator, db: DB) -> Response:
    return _rendered(accounts.creator_in(db.conn(), creator.id))


@router.patch(
    "/me",
    response_model=CreatorOut,
    responses={422: {"description": "Invalid fields, or settings over their size cap"}},
)
def update_me(body: MePatch, creator: CurrentCreator, state: State) -> Response:
    display_name = body.display_name.strip() if body.display_name else None
    with event_log.write(state.db, state.hub) as tx:
        accounts.update_profile(tx.conn, creator.id, display_name, body.settings)
        out = accounts.creator_in(tx.conn, creator.id)
        if body.settings is not None:
            # The creator's panels follow (the active brand kit, say); docs/PANEL.md.
            tx.push(creator.id, accounts.settings_event(out))
        answer = _rendered(out)
    return answer
