"""The server's live events over `/api/ws` (docs/PANEL.md), reconnecting by itself.

Protocol (streamfx_server/routes/ws.py): the first message is
`{"type": "auth", "token": <access token>}`, answered by `ready`; then the
server pushes `effect.triggered`, `activation.updated` (a delivery),
`agent.status` (docs/AGENT.md), `session.updated` and `brandKit.updated`.
The connection outlives its access token's expiry while the sign-in stands;
when the server closes with 4401 the token is refreshed (which fails only if
the sign-in itself was ended) and the connection is made again.

When the server goes away (restart, crash, network), reconnecting starts at
once and backs off to one try a second; every (re)connect is reported as
"live" so the panel can reload what it may have missed. Everything is reported
to the app as messages: `ServerStateChanged` and one `ServerEvent` per push.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from streamfx_wire import live as wire

from .. import live_socket
from ..errors import NotLoggedIn, StreamFXError
from .messages import ServerEvent, ServerStateChanged

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

RETRY_DELAYS = (0.25, 0.5, 1.0)
OPEN_TIMEOUT = live_socket.OPEN_TIMEOUT


class Unauthorized(Exception):
    """The server refused the token (close 4401 or an auth error message)."""


class LiveEvents:
    """Runs until cancelled (or signed out), posting what happens to `report_to`.

    `token()` returns a current access token and `refresh(used)` a new one;
    both block (keyring, file lock, HTTP) and run in worker threads.
    """

    def __init__(
        self,
        url: str,
        token: Callable[[], str],
        refresh: Callable[[str], str],
        report_to: MessagePump,
    ) -> None:
        self.url = url
        self._token = token
        self._refresh = refresh
        self._report_to = report_to
        self.connects = 0

    def _state(self, status: str, detail: str = "") -> None:
        self._report_to.post_message(ServerStateChanged(status, detail))

    async def run(self) -> None:
        failures = 0
        stale_token: str | None = None
        while True:
            try:
                if stale_token is not None:
                    token = await asyncio.to_thread(self._refresh, stale_token)
                    stale_token = None
                else:
                    token = await asyncio.to_thread(self._token)
            except NotLoggedIn as exc:
                self._state("signed-out", exc.message)
                return
            except StreamFXError as exc:
                self._state("reconnecting", exc.message)
                await asyncio.sleep(RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)])
                failures += 1
                continue
            before = self.connects
            try:
                await self._session(token)
                detail = "The server closed the live connection."
            except Unauthorized:
                stale_token = token
                detail = "The server asked to sign in again."
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                detail = f"Cannot reach the server's live events ({type(exc).__name__})."
            self._state("reconnecting", detail)
            if self.connects > before:
                failures = 0  # it was live until a moment ago: try again (almost) at once
                await asyncio.sleep(0.05)
                continue
            await asyncio.sleep(RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)])
            failures += 1

    async def _session(self, token: str) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        async with connect(self.url, **live_socket.options()) as ws:
            try:
                await ws.send(json.dumps(live_socket.auth(token)))
                first = json.loads(await asyncio.wait_for(ws.recv(), OPEN_TIMEOUT))
                if first.get("type") != wire.READY:
                    if first.get("httpStatus") == 401 or first.get("code") in wire.TOKEN_REFUSED:
                        raise Unauthorized(first.get("error", ""))
                    raise ConnectionError(first.get("error", "unexpected first message"))
                self.connects += 1
                self._state("live")
                async for raw in ws:
                    try:
                        message = json.loads(raw)
                    except ValueError:
                        continue
                    if isinstance(message, dict):
                        if (
                            message.get("type") == wire.ERROR
                            and message.get("httpStatus") == 401
                            and "id" not in message
                        ):
                            raise Unauthorized(message.get("error", ""))
                        self._report_to.post_message(ServerEvent(message))
            except ConnectionClosed as exc:
                if exc.rcvd is not None and exc.rcvd.code == wire.CLOSE_UNAUTHORIZED:
                    raise Unauthorized(exc.rcvd.reason) from None
                raise
            if ws.close_code == wire.CLOSE_UNAUTHORIZED:
                raise Unauthorized(ws.close_reason or "")
