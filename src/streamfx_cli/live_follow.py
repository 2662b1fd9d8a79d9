"""The server's live events for a command that follows them (`streamfx activity --follow`).

A blocking reader of `/api/ws` (docs/AGENT.md "Event log and resume"): `open()` signs
in and answers the newest `seq`, so a caller can read the history over HTTP after it
and miss nothing; `events()` then yields each pushed event. When the connection drops
(a server restart, the network) it connects again with `since` = the last `seq` it
saw, so nothing is missed or seen twice; when the log no longer reaches that far the
server says `resync`, which `events()` yields for the caller to read the history again.
A refused token (close 4401) is refreshed once (the CLI's shared, locked refresh) and
the connection made again; a sign-in that has ended raises NotLoggedIn.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from streamfx_wire import live as wire

from . import live_socket
from .errors import NotLoggedIn, ServerUnreachable, StreamFXError

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

RETRY_DELAYS = (0.25, 0.5, 1.0)


class _Refused(Exception):
    """The server refused the access token: refresh it and connect again."""


class LiveFollower:
    """`token()` is a current access token, `refresh(used)` a new one (both may block);
    `lost(text)` is told once per outage that the events are being reconnected."""

    def __init__(
        self,
        url: str,
        token: Callable[[], str],
        refresh: Callable[[str], str],
        lost: Callable[[str], object],
    ) -> None:
        self.url = url
        self._token = token
        self._refresh = refresh
        self._lost = lost
        self._ws: ClientConnection | None = None
        self.seq: int | None = None

    def open(self) -> int:
        """Connect and sign in; the creator's newest `seq`. ServerUnreachable if it cannot."""
        token = self._token()
        try:
            try:
                self._connect(token)
            except _Refused:
                self._connect(self._refresh(token))
        except (OSError, TimeoutError, _Refused) as exc:
            raise ServerUnreachable(
                f"Cannot follow the server's live events: {exc or 'the sign-in was refused'}.",
                "Check that the server is running (`streamfx up`).",
            ) from None
        assert self.seq is not None
        return self.seq

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
            self._ws = None

    def events(self) -> Iterator[dict[str, Any]]:
        """Every pushed event, in order, for as long as the caller reads; reconnects."""
        while True:
            if self._ws is not None:
                yield from self._read(self._ws)
                self.close()
            self._lost("The server's live events stopped; connecting again…")
            yield from self._reconnect()

    def _read(self, ws: ClientConnection) -> Iterator[dict[str, Any]]:
        from websockets.exceptions import ConnectionClosed

        try:
            for raw in ws:
                event = _decoded(raw)
                if event is None:
                    continue
                if isinstance(event.get("seq"), int):
                    self.seq = event["seq"]
                yield event
        except (ConnectionClosed, OSError, TimeoutError):
            return

    def _reconnect(self) -> list[dict[str, Any]]:
        """Connect again from the last seq seen, waiting a little longer after each try;
        the `resync` the server may send first, if any."""
        token = self._token()
        attempt = 0
        while True:
            try:
                return self._connect(token)
            except _Refused:
                token = self._refresh(token)  # NotLoggedIn once the sign-in has ended
            except (OSError, TimeoutError):
                pass
            except StreamFXError as exc:
                if isinstance(exc, NotLoggedIn):
                    raise
            time.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
            attempt += 1

    def _connect(self, token: str) -> list[dict[str, Any]]:
        """Open, sign in (with `since` when resuming) and read up to `ready`; returns what
        came before it (a `resync`)."""
        from websockets.exceptions import ConnectionClosed, InvalidHandshake
        from websockets.sync.client import connect

        try:
            ws = connect(self.url, **live_socket.options())
        except InvalidHandshake as exc:
            raise OSError(str(exc)) from None
        hello = live_socket.auth(token, self.seq)
        before: list[dict[str, Any]] = []
        try:
            ws.send(json.dumps(hello))
            while True:
                first = _decoded(ws.recv(timeout=live_socket.OPEN_TIMEOUT))
                if first is None:
                    continue
                if first.get("type") == wire.READY:
                    break
                if first.get("type") == wire.RESYNC:
                    before.append(first)
                    continue
                if first.get("httpStatus") == 401 or first.get("code") in wire.TOKEN_REFUSED:
                    raise _Refused()
                raise OSError(str(first.get("error") or "unexpected first message"))
        except ConnectionClosed as exc:
            ws.close()
            if exc.rcvd is not None and exc.rcvd.code == wire.CLOSE_UNAUTHORIZED:
                raise _Refused() from None
            raise OSError(str(exc)) from None
        except BaseException:
            ws.close()
            raise
        if self.seq is None or before:
            # First connect, or the log no longer reaches back: go on from the newest.
            self.seq = int(first.get("seq") or 0)
        self._ws = ws
        return before


def _decoded(raw: str | bytes) -> dict[str, Any] | None:
    try:
        message = json.loads(raw)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None
