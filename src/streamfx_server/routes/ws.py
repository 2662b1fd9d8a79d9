"""WebSocket `/api/ws`: live events for panels and overlays, and effect triggers.

Protocol (JSON text frames, camelCase):

    client -> {"type": "auth", "token": "<access token | overlay key>"}   first, within 5 s
    server -> {"type": "ready", "creatorId": "cr_…", "mode": "control" | "listen"}

    server -> {"type": "effect.triggered", "activation": {…}}     pushed to all of the
    server -> {"type": "session.updated", "session": {…}}          creator's connections
    server -> {"type": "brandKit.updated", "brandKit": {…}}
    server -> {"type": "clear"}          overlays empty the screen (POST /api/overlay/clear)

    client -> {"type": "ping", "id"?}                          -> {"type": "pong", "id"?}
    client -> {"type": "trigger", "effectId", "sessionId"?, "params"?, "id"?}   (control only;
                                           no sessionId: the live session, as over HTTP)
           -> {"type": "triggered", "activation": {…}, "id"?}
    any failure -> {"type": "error", "error", "code", "httpStatus", "hint"?, "details"?, "id"?, …}
                   (the HTTP error body, with the status HTTP would have answered)

Messages are strict JSON (strict_json.py): one with NaN or Infinity gets a
`validation_error` (422) and changes nothing; one nested deeper than the limit gets
`invalid_message` and the connection is closed (1008), before or after signing in.

Close codes: 4401 no/bad/expired credential, auth timeout, the sign-in was ended, or the
overlay key was replaced (the reason is the machine code); 1013 the client read too slowly
and was dropped (reconnect); 1008 a message nested too deep (`invalid_message`). A browser
Origin that is not this server's own is refused with HTTP 403 before the handshake
completes. The message types, close codes and the error codes clients act on are named
once, for server and clients, in streamfx_wire.live.

Access tokens expire after minutes, a control panel stays open for hours. The connection
is authorised when it authenticates and then keeps going past the token's `exp` for as
long as the sign-in it came from (the refresh-token family) is live: logging out, or a
reused refresh token, ends it. That is re-checked on every trigger and every few seconds
in the background. Closing at `exp` instead would make every panel and script reconnect
every quarter hour and miss the events sent in between, while guarding nothing that
the refresh token (which keeps the same family alive for weeks) does not already allow.
Overlay keys are re-checked the same way, besides being closed at once on rotation.
"""

from __future__ import annotations

import contextlib
import logging
import random
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, WebSocket
from pydantic import Field, StrictInt, StrictStr, ValidationError

from streamfx_wire import live as wire

from .. import triggering
from ..errors import APIError, unauthorized, validation_details
from ..identity import (
    Creator,
    SignIn,
    authenticate,
    is_overlay_key,
    overlay_creator,
    overlay_key_is_current,
    sign_in_is_live,
)
from ..infra.hub import Hub, Subscriber, encode
from ..infra.strict_json import JSONRefused, loads
from ..infra.tokens import hash_secret
from ..schemas import ApiModel
from ..state import AppState

router = APIRouter(tags=["websocket"])
log = logging.getLogger("streamfx.server")

# How often a live connection re-checks that its sign-in or overlay key still stands.
LIVE_CHECK_SECONDS = 5.0
# How long to try to send a close frame; a client that is not reading never gets it.
CLOSE_WAIT = 2.0
MAX_TOKEN_LENGTH = 4096
MAX_ID_LENGTH = 128
# A message nested too deep is hostile, not a slip: it ends the connection.
CLOSE_POLICY = 1008


@dataclass(frozen=True)
class Credential:
    creator: Creator
    mode: str  # "control" (access token) or "listen" (overlay key)
    key_hash: str | None = None  # overlay key's hash, to notice a rotation


MessageId = Annotated[StrictStr, Field(max_length=MAX_ID_LENGTH)] | StrictInt | None


class TriggerMessage(ApiModel):
    type: Literal["trigger"]
    id: MessageId = None
    effect_id: Annotated[str, Field(min_length=1, max_length=100)]
    # Absent or null: the creator's live session, as over HTTP.
    session_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    params: dict[str, Any] | None = None


# -- Authentication --------------------------------------------------------------------


def _resolve(state: AppState, token: str) -> Credential:
    if is_overlay_key(token):
        creator = overlay_creator(state.db, token)
        if creator is None:
            raise unauthorized(
                "That overlay key is not valid; it may have been replaced.",
                wire.INVALID_OVERLAY_KEY,
                hint="Get the current overlay URL with `streamfx overlay url`.",
            )
        return Credential(creator, "listen", hash_secret(token))
    return Credential(authenticate(state.db, state.tokens, token), "control")


def _revoked_reason(state: AppState, cred: Credential) -> str | None:
    """Why this connection's credential no longer stands, or None if it does."""
    if cred.mode == "listen":
        current = overlay_key_is_current(state.db, cred.creator.id, cred.key_hash or "")
        return None if current else wire.OVERLAY_KEY_ROTATED
    return None if sign_in_is_live(state.db, cred.creator) else wire.SESSION_REVOKED


def _error(
    code: str,
    message: str,
    status: int = 400,
    msg_id: Any = None,
    *,
    hint: str | None = None,
    details: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The HTTP error envelope as a message; `httpStatus` is what HTTP would have answered."""
    body: dict[str, Any] = {
        "type": wire.ERROR,
        "error": message,
        "code": code,
        "httpStatus": status,
    }
    if hint:
        body["hint"] = hint
    if details:
        body["details"] = details
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    if msg_id is not None:
        body["id"] = msg_id
    return body


def _api_error(exc: APIError, msg_id: Any = None) -> dict[str, Any]:
    return _error(
        exc.code,
        exc.message,
        exc.status,
        msg_id,
        hint=exc.hint,
        details=exc.details,
        extra=exc.extra,
    )


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    # Already closed or gone: there is nothing left to tell it.
    with anyio.move_on_after(CLOSE_WAIT), contextlib.suppress(Exception):
        await websocket.close(code, reason)


async def _refuse(websocket: WebSocket, body: dict[str, Any]) -> None:
    with anyio.move_on_after(CLOSE_WAIT), contextlib.suppress(Exception):
        await websocket.send_text(encode(body))
    await _close(websocket, wire.CLOSE_UNAUTHORIZED, body["code"])


_INVALID = object()


def _parse(message: dict[str, Any]) -> Any:
    """The JSON in a text frame, or `_INVALID` (binary frame, or not JSON); raises
    `JSONRefused` for JSON this server refuses (NaN, Infinity, too deep)."""
    text = message.get("text")
    if text is None:
        return _INVALID
    try:
        return loads(text)
    except JSONRefused:
        raise
    except ValueError:
        return _INVALID


def _refused(exc: JSONRefused, msg_id: Any = None) -> dict[str, Any]:
    if exc.reason == "too_deep":
        return _error(
            "invalid_message",
            f"That message is not accepted: {exc.message}",
            400,
            msg_id,
            hint="Send flat JSON objects as described in the protocol.",
        )
    return _error(
        "validation_error",
        f"Invalid message: {exc.message}",
        422,
        msg_id,
        hint="Fix the message and send it again; nothing was changed.",
    )


async def _authenticate(websocket: WebSocket, state: AppState) -> Credential | None:
    timeout = state.settings.ws_auth_timeout
    message: dict[str, Any] | None = None
    with anyio.move_on_after(timeout):
        message = await websocket.receive()
    if message is None:
        await _refuse(
            websocket,
            _error(
                "auth_timeout",
                f'Send {{"type": "auth", "token": ...}} within {timeout:g} seconds of connecting.',
                401,
            ),
        )
        return None
    if message["type"] == "websocket.disconnect":
        return None
    try:
        payload = _parse(message)
    except JSONRefused as exc:
        body = _refused(exc)
        if exc.reason == "too_deep":
            with anyio.move_on_after(CLOSE_WAIT), contextlib.suppress(Exception):
                await websocket.send_text(encode(body))
            await _close(websocket, CLOSE_POLICY, "invalid_message")
        else:
            await _refuse(websocket, body)
        return None
    token = payload.get("token") if isinstance(payload, dict) else None
    if (
        not isinstance(payload, dict)
        or payload.get("type") != wire.AUTH
        or not isinstance(token, str)
        or not 0 < len(token) <= MAX_TOKEN_LENGTH
    ):
        await _refuse(
            websocket,
            _error(
                "auth_required",
                'The first message must be {"type": "auth", "token": "<access token or overlay key>"}.',
                401,
            ),
        )
        return None
    try:
        return await anyio.to_thread.run_sync(_resolve, state, token)
    except APIError as exc:
        await _refuse(websocket, _api_error(exc))
        return None


# -- The live connection ---------------------------------------------------------------


@router.websocket("/api/ws")
async def live(websocket: WebSocket) -> None:
    state: AppState = websocket.app.state.streamfx
    # A foreign Host or browser Origin never gets here (infra/middleware.py).
    await websocket.accept()
    cred = await _authenticate(websocket, state)
    if cred is None:
        return
    hub = state.hub
    sub = Subscriber(cred.creator.id, websocket.send_text, mode=cred.mode)
    hub.send(sub, {"type": wire.READY, "creatorId": cred.creator.id, "mode": cred.mode})
    hub.add(sub)
    try:
        async with anyio.create_task_group() as tg:

            async def pump() -> None:
                await hub.pump(sub)
                tg.cancel_scope.cancel()

            async def stop_when_dropped() -> None:
                await sub.stopped.wait()
                tg.cancel_scope.cancel()

            tg.start_soon(pump)
            tg.start_soon(stop_when_dropped)
            # The first check runs right after joining the hub, which closes the gap
            # between looking the credential up and a rotation/logout sweeping the hub.
            tg.start_soon(_watch, state, sub, cred)
            await _read(websocket, state, sub, cred)
            tg.cancel_scope.cancel()
    finally:
        hub.remove(sub)
    if sub.dropped:
        await _close(websocket, sub.close_code, sub.close_reason)


def _end(hub: Hub, sub: Subscriber, reason: str) -> None:
    messages = {
        wire.SESSION_REVOKED: "This sign-in was ended; sign in again.",
        wire.OVERLAY_KEY_ROTATED: "This overlay key was replaced; load the overlay's new URL.",
    }
    hub.send(sub, _error(reason, messages.get(reason, "Not signed in."), 401))
    hub.drop(sub, wire.CLOSE_UNAUTHORIZED, reason, flush=True)


async def _watch(state: AppState, sub: Subscriber, cred: Credential) -> None:
    # After the first check, the second comes at a random point of the first period:
    # connections opened together (an overlay in every scene, a reconnect after a server
    # restart) then check at different moments, not in one burst of thread-pool work
    # every period that stalls the events they are all waiting for.
    pause = random.uniform(0, LIVE_CHECK_SECONDS)
    while not sub.dropped:
        try:
            reason = await anyio.to_thread.run_sync(_revoked_reason, state, cred)
        except Exception:
            log.exception("could not re-check a WebSocket credential")
            reason = None
        if reason is not None:
            _end(state.hub, sub, reason)
            return
        await anyio.sleep(pause)
        pause = LIVE_CHECK_SECONDS


def _message_id(payload: dict[str, Any]) -> Any:
    value = payload.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and len(value) <= MAX_ID_LENGTH):
        return value
    return None


async def _read(websocket: WebSocket, state: AppState, sub: Subscriber, cred: Credential) -> None:
    hub = state.hub
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is None:
            await hub.reply(
                sub, _error("invalid_message", "Send JSON text messages, not binary ones.")
            )
            continue
        try:
            payload = _parse(message)
        except JSONRefused as exc:
            await hub.reply(sub, _refused(exc))
            if exc.reason == "too_deep":
                # The error goes out first; then the pump ends and `live` closes.
                hub.drop(sub, CLOSE_POLICY, "invalid_message", flush=True)
                await anyio.sleep_forever()
            continue
        if payload is _INVALID:
            await hub.reply(sub, _error("invalid_json", "That message is not valid JSON."))
            continue
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            await hub.reply(
                sub,
                _error("invalid_message", 'Each message must be a JSON object with a "type".'),
            )
            continue
        kind, msg_id = payload["type"], _message_id(payload)
        if kind == wire.PING:
            await hub.reply(
                sub, {"type": wire.PONG, **({"id": msg_id} if msg_id is not None else {})}
            )
        elif kind == wire.TRIGGER:
            await _trigger(state, sub, cred, payload, msg_id)
        elif kind == wire.AUTH:
            await hub.reply(
                sub,
                _error(
                    "already_authenticated", "This connection is already signed in.", 400, msg_id
                ),
            )
        else:
            await hub.reply(
                sub,
                _error(
                    "unknown_type",
                    f"Unknown message type {kind[:40]!r}; send ping or trigger.",
                    400,
                    msg_id,
                ),
            )


async def _trigger(
    state: AppState, sub: Subscriber, cred: Credential, payload: dict[str, Any], msg_id: Any
) -> None:
    hub = state.hub
    if not sub.can_trigger:
        await hub.reply(
            sub,
            _error(
                "listen_only",
                "An overlay key can only listen; sign in to trigger effects.",
                403,
                msg_id,
            ),
        )
        return
    try:
        body = TriggerMessage.model_validate(payload)
    except ValidationError as exc:
        details = validation_details(list(exc.errors()))
        first = details[0]
        await hub.reply(
            sub,
            _error(
                "validation_error",
                f"Invalid {first['field']}: {first['message']}.",
                422,
                msg_id,
                details=details,
                hint="Fix the fields listed in details and try again.",
            ),
        )
        return
    try:
        # The sign-in is re-checked in the trigger's transaction: it may have been
        # ended since the connection authenticated (and the tier may have changed).
        activation = await triggering.trigger_async(
            state,
            SignIn(cred.creator.id, cred.creator.family_id),
            body.effect_id,
            body.session_id,
            body.params,
            source="ws",
        )
    except APIError as exc:
        await hub.reply(sub, _api_error(exc, msg_id))
        if exc.code == wire.SESSION_REVOKED:
            hub.drop(sub, wire.CLOSE_UNAUTHORIZED, exc.code, flush=True)
        return
    except Exception:
        log.exception("trigger over WebSocket failed")
        await hub.reply(
            sub,
            _error(
                "internal_error",
                "Something went wrong on the server.",
                500,
                msg_id,
                hint="See the server log; this is a bug worth reporting.",
            ),
        )
        return
    reply: dict[str, Any] = {"type": wire.TRIGGERED, "activation": activation}
    if msg_id is not None:
        reply["id"] = msg_id
    try:
        await hub.reply(sub, reply)
    except (TypeError, ValueError):
        log.exception("could not encode an activation for the WebSocket")
        await hub.reply(
            sub, _error("internal_error", "Something went wrong on the server.", 500, msg_id)
        )
