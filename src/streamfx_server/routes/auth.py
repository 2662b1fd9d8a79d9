"""Accounts and tokens: register, login, refresh (rotating), logout, me."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import AfterValidator, Field, field_validator

from ..accounts import CreatorOut, creator_out, get_creator_row
from ..deps import DB, CurrentCreator, State
from ..errors import APIError, unauthorized
from ..infra.db import Database
from ..infra.ids import iso, new_id
from ..infra.passwords import hash_password, verify_password
from ..infra.tokens import hash_secret, new_refresh_token
from ..schemas import ApiModel
from ..state import AppState

router = APIRouter(prefix="/api/auth", tags=["auth"])

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def _check_email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise ValueError("must be an email address like name@example.com")
    return value


Email = Annotated[str, Field(max_length=254), AfterValidator(_check_email)]
Password = Annotated[str, Field(min_length=8, max_length=256)]
DisplayName = Annotated[str, Field(min_length=1, max_length=80)]


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
    email: Annotated[str, Field(min_length=1, max_length=254)]
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


def _pair_response(
    state: AppState, db: Database, creator_id: str, access: str, refresh: str
) -> TokenPair:
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=state.settings.access_ttl,
        creator=creator_out(get_creator_row(db, creator_id)),
    )


def _revoke_family(conn: sqlite3.Connection, family_id: str, reason: str) -> None:
    conn.execute(
        "UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
        (iso(), reason, family_id),
    )


@router.post(
    "/register",
    status_code=201,
    response_model=CreatorOut,
    responses={403: {"description": "Sign-up is closed"}, 409: {"description": "Email taken"}},
)
def register(body: RegisterIn, state: State, db: DB) -> CreatorOut:
    email = body.email.strip().lower()
    # Hash before taking the write lock: argon2 takes ~100 ms and other writers must not wait on it.
    password_hash = hash_password(body.password)
    creator_id = new_id("cr")
    stamp = iso()
    with db.write() as conn:
        count = conn.execute("SELECT COUNT(*) FROM creators").fetchone()[0]
        if count > 0 and not state.settings.allow_signup:
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
        # The first account owns the server and gets every feature of it.
        role, tier = ("owner", "enterprise") if count == 0 else ("member", "free")
        conn.execute(
            "INSERT INTO creators (id, email, display_name, password_hash, role, subscription_tier, "
            "settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?)",
            (creator_id, email, body.display_name, password_hash, role, tier, stamp, stamp),
        )
    return creator_out(get_creator_row(db, creator_id))


def _client_key(request: Request) -> str:
    return f"client:{request.client.host if request.client else 'unknown'}"


def _throttle(state: AppState, keys: tuple[str, ...]) -> None:
    wait = max(
        state.email_failures.retry_after(keys[0]), state.client_failures.retry_after(keys[1])
    )
    if wait:
        raise APIError(
            429,
            "too_many_attempts",
            "Too many failed sign-ins; wait before trying again.",
            hint=f"Try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
            extra={"retryAfter": wait},
        )


@router.post(
    "/login",
    response_model=TokenPair,
    responses={401: {"description": "Wrong email or password"}, 429: {"description": "Throttled"}},
)
def login(body: LoginIn, request: Request, state: State, db: DB) -> TokenPair:
    email = body.email.strip().lower()
    keys = (f"email:{email}", _client_key(request))
    _throttle(state, keys)
    row = db.one("SELECT id, password_hash FROM creators WHERE email = ?", (email,))
    if not verify_password(row["password_hash"] if row else None, body.password):
        state.email_failures.record_failure(keys[0])
        state.client_failures.record_failure(keys[1])
        raise unauthorized(
            "Wrong email or password.", "invalid_credentials", hint="Check both and try again."
        )
    state.email_failures.reset(keys[0])
    assert row is not None
    family_id = new_id("as")
    with db.write() as conn:
        conn.execute(
            "INSERT INTO auth_sessions (id, creator_id, created_at) VALUES (?, ?, ?)",
            (family_id, row["id"], iso()),
        )
        access, refresh = _issue_pair(state, conn, row["id"], family_id)
    return _pair_response(state, db, row["id"], access, refresh)


@router.post(
    "/refresh", response_model=TokenPair, responses={401: {"description": "Refresh refused"}}
)
def refresh(body: RefreshIn, state: State, db: DB) -> TokenPair:
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
    if reused:
        # Raised after COMMIT so the revocation sticks.
        raise unauthorized(
            "That refresh token was already used, so this sign-in was ended everywhere for safety.",
            "refresh_token_reused",
        )
    return _pair_response(state, db, row["creator_id"], access, new_refresh)


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
def me(creator: CurrentCreator, db: DB) -> CreatorOut:
    return creator_out(get_creator_row(db, creator.id))


@router.patch("/me", response_model=CreatorOut)
def update_me(body: MePatch, creator: CurrentCreator, db: DB) -> CreatorOut:
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
                json.dumps(settings),
                iso(),
                creator.id,
            ),
        )
    return creator_out(get_creator_row(db, creator.id))
