"""Signing in over the WebSocket: the first message, and re-checking the credential later.

An access token opens a control connection (it may trigger effects); an overlay key
opens a listen-only one. Both are re-checked while the connection lives (routes/ws.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import anyio
from fastapi import WebSocket

from streamfx_wire import live as wire

from ..errors import APIError, unauthorized
from ..identity import (
    Creator,
    is_overlay_key,
    overlay_creator,
    overlay_key_is_current,
    sign_in_is_live,
)
from ..identity import (
    authenticate as authenticate_token,
)
from ..infra.hub import encode
from ..infra.strict_json import JSONRefused
from ..infra.tokens import hash_secret
from ..state import AppState
from .ws_frames import api_error, error, parse, refused

log = logging.getLogger("streamfx.server")

# How long to try to send a close frame; a client that is not reading never gets it.
CLOSE_WAIT = 2.0
MAX_TOKEN_LENGTH = 4096
# A message nested too deep is hostile, not a slip: it ends the connection.
CLOSE_POLICY = 1008
# The largest `since` SQLite can compare (a signed 64-bit integer).
MAX_SEQ = 2**63 - 1


@dataclass(frozen=True)
class Credential:
    creator: Creator
    mode: str  # "control" (access token) or "listen" (overlay key)
    key_hash: str | None = None  # overlay key's hash, to notice a rotation
    # The seq of the last event the client saw, to resume after it (routes/ws_resume.py).
    since: int | None = None


def resolve(state: AppState, token: str) -> Credential:
    if is_overlay_key(token):
        creator = overlay_creator(state.db, token)
        if creator is None:
            raise unauthorized(
                "That overlay key is not valid; it may have been replaced.",
                wire.INVALID_OVERLAY_KEY,
                hint="Get the current overlay URL with `streamfx overlay url`.",
            )
        return Credential(creator, "listen", hash_secret(token))
    return Credential(authenticate_token(state.db, state.tokens, token), "control")


def revoked_reason(state: AppState, cred: Credential) -> str | None:
    """Why this connection's credential no longer stands, or None if it does."""
    if cred.mode == "listen":
        current = overlay_key_is_current(state.db, cred.creator.id, cred.key_hash or "")
        return None if current else wire.OVERLAY_KEY_ROTATED
    return None if sign_in_is_live(state.db, cred.creator) else wire.SESSION_REVOKED


async def close(websocket: WebSocket, code: int, reason: str) -> None:
    # Already closed or gone: there is nothing left to tell it.
    with anyio.move_on_after(CLOSE_WAIT), contextlib.suppress(Exception):
        await websocket.close(code, reason)


async def refuse(
    websocket: WebSocket, body: dict[str, Any], code: int = wire.CLOSE_UNAUTHORIZED
) -> None:
    with anyio.move_on_after(CLOSE_WAIT), contextlib.suppress(Exception):
        await websocket.send_text(encode(body))
    await close(websocket, code, body["code"])


async def authenticate(websocket: WebSocket, state: AppState) -> Credential | None:
    timeout = state.settings.ws_auth_timeout
    message: Mapping[str, Any] | None = None
    with anyio.move_on_after(timeout):
        message = await websocket.receive()
    if message is None:
        await refuse(
            websocket,
            error(
                "auth_timeout",
                f'Send {{"type": "auth", "token": ...}} within {timeout:g} seconds of connecting.',
                401,
            ),
        )
        return None
    if message["type"] == "websocket.disconnect":
        return None
    try:
        payload = parse(message)
    except JSONRefused as exc:
        body = refused(exc)
        if exc.reason == "too_deep":
            with anyio.move_on_after(CLOSE_WAIT), contextlib.suppress(Exception):
                await websocket.send_text(encode(body))
            await close(websocket, CLOSE_POLICY, "invalid_message")
        else:
            await refuse(websocket, body)
        return None
    token = payload.get("token") if isinstance(payload, dict) else None
    if (
        not isinstance(payload, dict)
        or payload.get("type") != wire.AUTH
        or not isinstance(token, str)
        or not 0 < len(token) <= MAX_TOKEN_LENGTH
    ):
        await refuse(
            websocket,
            error(
                "auth_required",
                'The first message must be {"type": "auth", "token": "<access token or overlay key>"}.',
                401,
            ),
        )
        return None
    since = payload.get("since")
    if since is not None and not _is_seq(since):
        await refuse(websocket, _bad_since(), CLOSE_POLICY)
        return None
    try:
        cred = await anyio.to_thread.run_sync(resolve, state, token)
    except APIError as exc:
        if exc.code == wire.INVALID_OVERLAY_KEY:
            # The page itself stays blank on air (docs/CLI.md "The overlay page"), so this
            # line is where the creator finds out. Never the key, not even part of it.
            client = websocket.client.host if websocket.client else "an unknown address"
            log.warning(
                "Refused an overlay page from %s: its overlay key is not valid (it may have "
                "been rotated). Load the URL `streamfx overlay url` prints.",
                client,
            )
        await refuse(websocket, api_error(exc))
        return None
    return replace(cred, since=since)


def _is_seq(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SEQ


def _bad_since() -> dict[str, Any]:
    return error(
        "validation_error",
        "Invalid since: it must be a whole number, 0 or more.",
        422,
        details=[{"field": "since", "message": "must be a whole number, 0 or more"}],
        hint='Send the "seq" of the last event you received, or leave "since" out.',
    )
