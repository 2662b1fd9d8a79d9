"""WebSocket `/api/ws`: live events for panels and overlays, and effect triggers.

Protocol (JSON text frames, camelCase):

    client -> {"type": "auth", "token": "<access token | overlay key>", "since"?: N}
                                                                  first, within 5 s
    server -> {"type": "ready", "creatorId": "cr_…", "mode": "control" | "listen", "seq": M}

    server -> {"type": "effect.triggered", "activation": {…}, "seq"}   pushed to all of
    server -> {"type": "session.updated", "session": {…}, "seq"}       the creator's
    server -> {"type": "brandKit.updated", "brandKit": {…}, "seq"}     connections
    server -> {"type": "clear", "seq"}   overlays empty the screen (POST /api/overlay/clear)
    server -> {"type": "activation.updated", "activation": {…}, "seq"}   a delivery changed
    server -> {"type": "agent.status", "state": "drawing" | "down", "agentId"?, "target", "seq"}

Pushed to the creator's access-token connections only (never overlay keys, which draw
renders the server resolved and need neither; also left out of an overlay's resume):

    server -> {"type": "settings.updated", "settings": {…}, "seq"}   PATCH /api/auth/me
                                      changed the settings (the active brand kit, say)
    server -> {"type": "effect.updated", "effect": {…}, "deleted"?: true, "seq"}   an
              effect was created, changed, given or freed a number key, or deleted
              (a key that moved: one event for each of the two effects)

Every pushed event carries `seq`: one more than the creator's previous event, no gaps,
logged in the transaction of the change it reports (event_log.py). `ready`'s `seq` is
the newest one when the connection joined; the events after it follow live. With
`since` (a whole number >= 0: the seq of the last event the client saw), the logged
events after `since` come first, in order, then the live ones: none twice, none missing
(ws_resume.py). When the log no longer holds the events right after `since` (it keeps a
day, and beyond that the newest 10,000), or `since` is beyond the newest seq, the client
gets {"type": "resync", "oldestSeq": O} after `ready` instead, reloads its state over
HTTP, and goes on from `ready`'s seq. A `since` that is not a whole number >= 0 gets a
`validation_error` (422) and the connection is closed (1008). Overlay keys resume too.

    client -> {"type": "ping", "id"?}                          -> {"type": "pong", "id"?}
    client -> {"type": "trigger", "effectId", "sessionId"?, "params"?, "id"?}   (control only;
                                           no sessionId: the live session, as over HTTP)
           -> {"type": "triggered", "activation": {…}, "agent": {agentId, target} | null, "id"?}

The OBS agent (control only; docs/AGENT.md "Lease" and "Delivery record"; ws_agent.py,
ws_delivery.py):

    client -> {"type": "agent.hello", "agentId": "ag_…", "target": "host:port", "id"?}
           -> {"type": "agent.lease", "holder": bool, "target", "id"?}
    server -> {"type": "agent.lease", "holder": true, "target"}   a standby took over
    server -> {"type": "agent.obsEvents", "events": [...]}   (holder only) after each lease
                                 with holder true, and when the creator's rules change
    client -> {"type": "agent.obsEvent", "event", "scene"?, "input"?, "path"?, "at"?}
                                 (holder only; no answer) fires the creator's obs rules
    client -> {"type": "claim", "activationId", "id"?}                  (lease holder only)
           -> {"type": "claimed", "activationId", "ok": bool, "id"?}
    client -> {"type": "delivery", "activationId", "status", "reason"?, "drawnAt"?, "id"?}
           -> {"type": "delivered", "activationId", "delivery": {…}, "id"?}   (holder only)

One holder per creator and OBS target; when its connection ends, however it ends, the
longest-waiting standby takes over at once. An agent reconnecting with the same agentId
and target takes its old connection's place; the old one is closed with 4409.

Overlay pages (overlay keys only): {"type": "drawn", "activationId"} after starting to
draw an overlay-kind activation; no answer. Its delivery becomes `overlay`, counting
pages, once per connection.
    any failure -> {"type": "error", "error", "code", "httpStatus", "hint"?, "details"?, "id"?, …}
                   (the HTTP error body, with the status HTTP would have answered)

Messages are strict JSON (strict_json.py): one with NaN or Infinity gets a
`validation_error` (422) and changes nothing; one nested deeper than the limit gets
`invalid_message` and the connection is closed (1008), before or after signing in.

Close codes: 4401 no/bad/expired credential, auth timeout, the sign-in was ended, or the
overlay key was replaced (the reason is the machine code); 4409 an agent connection
replaced by the same agent's newer one (`agent_replaced`); 1013 the client read too slowly
and was dropped (reconnect: with `since`, nothing is lost); 1008 a message nested too deep
(`invalid_message`) or an invalid `since` (`validation_error`). A browser
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

import logging
import random

import anyio
from fastapi import APIRouter, WebSocket

from streamfx_wire import live as wire

from ..infra.hub import Hub, Subscriber
from ..infra.strict_json import JSONRefused
from ..state import AppState
from .ws_agent import handle_hello, leave
from .ws_auth import CLOSE_POLICY, Credential, authenticate, close, revoked_reason
from .ws_delivery import OverlayAcks, handle_claim, handle_delivery, handle_drawn
from .ws_frames import INVALID, error, message_id, parse, refused
from .ws_obs_events import ReportGate, handle_obs_event
from .ws_resume import greet, resume
from .ws_trigger import handle_trigger

router = APIRouter(tags=["websocket"])
log = logging.getLogger("streamfx.server")

# How often a live connection re-checks that its sign-in or overlay key still stands.
LIVE_CHECK_SECONDS = 5.0


# -- The live connection ---------------------------------------------------------------


@router.websocket("/api/ws")
async def live(websocket: WebSocket) -> None:
    state: AppState = websocket.app.state.streamfx
    # A foreign Host or browser Origin never gets here (infra/middleware.py).
    await websocket.accept()
    cred = await authenticate(websocket, state)
    if cred is None:
        return
    hub = state.hub
    # Joined with its events held until the log has been read and replayed (ws_resume.py).
    sub = Subscriber(cred.creator.id, websocket.send_text, mode=cred.mode, held=[])
    hub.add(sub)
    try:
        bounds = await greet(state, sub)
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
            tg.start_soon(resume, state, sub, cred.since, bounds)
            await _read(websocket, state, sub, cred, OverlayAcks(), ReportGate())
            tg.cancel_scope.cancel()
    finally:
        hub.remove(sub)
        # However the connection ended: a standby takes over its lease at once.
        await leave(state, sub)
    if sub.dropped:
        await close(websocket, sub.close_code, sub.close_reason)


def _end(hub: Hub, sub: Subscriber, reason: str) -> None:
    messages = {
        wire.SESSION_REVOKED: "This sign-in was ended; sign in again.",
        wire.OVERLAY_KEY_ROTATED: "This overlay key was replaced; load the overlay's new URL.",
    }
    hub.send(sub, error(reason, messages.get(reason, "Not signed in."), 401))
    hub.drop(sub, wire.CLOSE_UNAUTHORIZED, reason, flush=True)


async def _watch(state: AppState, sub: Subscriber, cred: Credential) -> None:
    # After the first check, the second comes at a random point of the first period:
    # connections opened together (an overlay in every scene, a reconnect after a server
    # restart) then check at different moments, not in one burst of thread-pool work
    # every period that stalls the events they are all waiting for.
    pause = random.uniform(0, LIVE_CHECK_SECONDS)
    while not sub.dropped:
        try:
            reason = await anyio.to_thread.run_sync(revoked_reason, state, cred)
        except Exception:
            log.exception("could not re-check a WebSocket credential")
            reason = None
        if reason is not None:
            _end(state.hub, sub, reason)
            return
        await anyio.sleep(pause)
        pause = LIVE_CHECK_SECONDS


async def _read(
    websocket: WebSocket,
    state: AppState,
    sub: Subscriber,
    cred: Credential,
    acks: OverlayAcks,
    reports: ReportGate,
) -> None:
    hub = state.hub
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is None:
            await hub.reply(
                sub, error("invalid_message", "Send JSON text messages, not binary ones.")
            )
            continue
        try:
            payload = parse(message)
        except JSONRefused as exc:
            await hub.reply(sub, refused(exc))
            if exc.reason == "too_deep":
                # The error goes out first; then the pump ends and `live` closes.
                hub.drop(sub, CLOSE_POLICY, "invalid_message", flush=True)
                await anyio.sleep_forever()
            continue
        if payload is INVALID:
            await hub.reply(sub, error("invalid_json", "That message is not valid JSON."))
            continue
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            await hub.reply(
                sub,
                error("invalid_message", 'Each message must be a JSON object with a "type".'),
            )
            continue
        kind, msg_id = payload["type"], message_id(payload)
        if kind == wire.PING:
            await hub.reply(
                sub, {"type": wire.PONG, **({"id": msg_id} if msg_id is not None else {})}
            )
        elif kind == wire.TRIGGER:
            await handle_trigger(state, sub, cred, payload, msg_id)
        elif kind == wire.CLAIM:
            await handle_claim(state, sub, payload, msg_id)
        elif kind == wire.DELIVERY:
            await handle_delivery(state, sub, payload, msg_id)
        elif kind == wire.DRAWN:
            await handle_drawn(state, sub, acks, payload, msg_id)
        elif kind == wire.AGENT_HELLO:
            await handle_hello(state, sub, payload, msg_id)
        elif kind == wire.AGENT_OBS_EVENT:
            await handle_obs_event(state, sub, reports, payload, msg_id)
        elif kind == wire.AUTH:
            await hub.reply(
                sub,
                error(
                    "already_authenticated", "This connection is already signed in.", 400, msg_id
                ),
            )
        else:
            await hub.reply(
                sub,
                error(
                    "unknown_type",
                    f"Unknown message type {kind[:40]!r}; send ping, trigger, "
                    "agent.hello, agent.obsEvent, claim, delivery or drawn.",
                    400,
                    msg_id,
                ),
            )
