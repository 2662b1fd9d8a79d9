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
import time
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, Field, field_validator

from ..account_names import normalise_email, refuse_invisible
from ..accounts import CreatorOut, creator_out
from ..deps import DB, CurrentCreator, State
from ..errors import APIError, unauthorized
from ..infra.ids import iso, new_id
from ..infra.passwords import hash_password, verify_password
from ..infra.tokens import hash_secret, new_refresh_token
from ..schemas import ApiModel
from ..state import AppState

router = APIRouter(prefix="/api/auth", tags=["auth"])

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


# The whole of `settings` after a PATCH is merged in: bounded, or 64 patches of 16 KB
# each would grow every /me, login and refresh answer to a megabyte.
MAX_SETTINGS_BYTES = 64 * 1024
MAX_SETTINGS_KEYS = 256


def _check_email(value: str) -> str:
    value = normalise_email(refuse_invisible(value))
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("must be an email address like name@example.com")
    return value


def _login_email(value: str) -> str:
    return normalise_email(refuse_invisible(value))


# Normalised (NFKC, lower case) before any lookup: see account_names.py.
Email = Annotated[str, Field(max_length=254), AfterValidator(_check_email)]
Password = Annotated[str, Field(min_length=8, max_length=256)]
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


def _issue_pair(
    state: AppState, conn: sqlite3.Connection, creator_id: str, family_id: str
) -> tuple[str, str]:
    refresh = new_refresh_token()
    conn.execute(
        "INSERT INTO refresh_tokens (id, family_id, token_hash, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            new_id("rt"),
            family_id,
            hash_secret(refresh),
            iso(),
            time.time() + state.settings.refresh_ttl,
        ),
    )
    return state.tokens.issue(creator_id, family_id), refresh


def _creator_in(conn: sqlite3.Connection, creator_id: str) -> CreatorOut:
    return creator_out(
        conn.execute("SELECT * FROM creators WHERE id = ?", (creator_id,)).fetchone()
    )


def _rendered(model: ApiModel, status: int = 200) -> JSONResponse:
    """The answer, rendered to bytes now: called inside a transaction, anything about it
    that cannot be encoded (say, a stored NaN) raises before COMMIT, not after."""
    return JSONResponse(model.model_dump(mode="json", by_alias=True), status_code=status)


def _pair_response(
    state: AppState, conn: sqlite3.Connection, creator_id: str, access: str, refresh: str
) -> JSONResponse:
    return _rendered(
        TokenPair(
            access_token=access,
            refresh_token=refresh,
            expires_in=state.settings.access_ttl,
            creator=_creator_in(conn, creator_id),
        )
    )


def _revoke_family(conn: sqlite3.Connection, family_id: str, reason: str) -> None:
    conn.execute(
        "UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
        (iso(), reason, family_id),
    )


def _signup_closed() -> APIError:
    return APIError(
        403,
        "signup_closed",
        "This server does not accept new accounts.",
        hint="The owner can restart it with --allow-signup.",
    )


def _email_taken() -> APIError:
    return APIError(
        409,
        "email_taken",
        "An account with that email already exists.",
        hint="Sign in with `streamfx login` instead.",
    )


def _check_signup(conn: sqlite3.Connection, allow_signup: bool, email: str) -> int:
    """Refuse a sign-up the server would refuse anyway; the number of accounts."""
    count = conn.execute("SELECT COUNT(*) FROM creators").fetchone()[0]
    if count > 0 and not allow_signup:
        raise _signup_closed()
    if conn.execute("SELECT 1 FROM creators WHERE email = ?", (email,)).fetchone():
        raise _email_taken()
    return count


def _create_account(
    state: AppState, email: str, display_name: str, password_hash: str
) -> JSONResponse:
    creator_id = new_id("cr")
    stamp = iso()
    with state.db.write() as conn:
        # Checked again: another sign-up may have taken the email (or the ownership of
        # a fresh server) while the password was being hashed.
        count = _check_signup(conn, state.settings.allow_signup, email)
        # The first account owns the server and gets every feature of it.
        role, tier = ("owner", "enterprise") if count == 0 else ("member", "free")
        conn.execute(
            "INSERT INTO creators (id, email, display_name, password_hash, role, subscription_tier, "
            "settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?)",
            (creator_id, email, display_name, password_hash, role, tier, stamp, stamp),
        )
        return _rendered(_creator_in(conn, creator_id), 201)


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
        lambda: _check_signup(db.conn(), state.settings.allow_signup, email)
    )
    client = _client_key(request)
    wait = state.signups.reserve(client)
    if wait:
        raise APIError(
            429,
            "too_many_signups",
            "Too many sign-ups from this address; wait before trying again.",
            hint=f"Try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
            extra={"retryAfter": wait},
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
    return APIError(
        429,
        "too_many_attempts",
        "Too many failed sign-ins; wait before trying again.",
        hint=f"Try again in {wait} seconds.",
        headers={"Retry-After": str(wait)},
        extra={"retryAfter": wait},
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
    family_id = new_id("as")
    with state.db.write() as conn:
        conn.execute(
            "INSERT INTO auth_sessions (id, creator_id, created_at) VALUES (?, ?, ?)",
            (family_id, creator_id, iso()),
        )
        access, refresh = _issue_pair(state, conn, creator_id, family_id)
        return _pair_response(state, conn, creator_id, access, refresh)


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
        row = await anyio.to_thread.run_sync(
            state.db.one, "SELECT id, password_hash FROM creators WHERE email = ?", (body.email,)
        )
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
    token_hash = hash_secret(body.refresh_token)
    reused = False
    with db.write() as conn:
        row = conn.execute(
            "SELECT t.id, t.family_id, t.expires_at, t.spent_at, s.creator_id, s.revoked_at "
            "FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.family_id WHERE t.token_hash = ?",
            (token_hash,),
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
            _revoke_family(conn, row["family_id"], "refresh_token_reused")
            reused = True
        else:
            access, new_refresh = _issue_pair(state, conn, row["creator_id"], row["family_id"])
            # Built before COMMIT: if it cannot be, the rotation is rolled back and the
            # client's token still works once the fault is fixed.
            answer = _pair_response(state, conn, row["creator_id"], access, new_refresh)
    if reused:
        # Raised after COMMIT so the revocation sticks.
        raise unauthorized(
            "That refresh token was already used, so this sign-in was ended everywhere for safety.",
            "refresh_token_reused",
        )
    return answer


@router.post("/logout", status_code=204, response_class=Response)
def logout(body: RefreshIn, db: DB) -> Response:
    with db.write() as conn:
        row = conn.execute(
            "SELECT family_id FROM refresh_tokens WHERE token_hash = ?",
            (hash_secret(body.refresh_token),),
        ).fetchone()
        if row is not None:
            _revoke_family(conn, row["family_id"], "logout")
    # Unknown tokens get the same answer: logging out is idempotent and reveals nothing.
    return Response(status_code=204)


@router.get("/me", response_model=CreatorOut)
def me(creator: CurrentCreator, db: DB) -> Response:
    return _rendered(_creator_in(db.conn(), creator.id))


def _check_settings_size(settings: dict[str, Any]) -> str:
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


@router.patch(
    "/me",
    response_model=CreatorOut,
    responses={422: {"description": "Invalid fields, or settings over their size cap"}},
)
def update_me(body: MePatch, creator: CurrentCreator, db: DB) -> Response:
    with db.write() as conn:
        row = conn.execute("SELECT settings FROM creators WHERE id = ?", (creator.id,)).fetchone()
        settings = json.loads(row["settings"] or "{}")
        if body.settings is not None:
            for key, value in body.settings.items():
                if value is None:
                    settings.pop(key, None)
                else:
                    settings[key] = value
        conn.execute(
            "UPDATE creators SET display_name = COALESCE(?, display_name), settings = ?, updated_at = ? "
            "WHERE id = ?",
            (
                body.display_name.strip() if body.display_name else None,
                _check_settings_size(settings),
                iso(),
                creator.id,
            ),
        )
        return _rendered(_creator_in(conn, creator.id))
