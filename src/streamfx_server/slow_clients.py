"""Drop clients that send too slowly: uvicorn's HTTP protocol with two read timeouts.

uvicorn closes a keep-alive connection that sits idle between requests, and with
`limit_concurrency` answers 503 once too many connections are open, but it waits for
a request's headers and body forever: 200 sockets sending a header line every 9 s
stayed open indefinitely. This protocol (uvicorn's httptools one, which uvicorn
picks when httptools is installed, as `uvicorn[standard]` does) adds:

- a header timeout: a request's headers must be complete within `header_timeout`
  seconds of the connection opening, or of the previous response when the
  connection is reused; otherwise it gets 408 and is closed;
- a body idle timeout: while a request's body is being read, `body_idle_timeout`
  seconds without a byte close the connection (the app sees a disconnect). Time the
  server itself stops reading (flow control: the app is not consuming) is not counted.

It also applies the connection cap to WebSocket handshakes, which uvicorn lets past
`limit_concurrency`: an upgrade over the cap gets 503 too.

Everything else is uvicorn's. The hooks used here (`on_message_begin`,
`on_headers_complete`, `on_body`, `on_message_complete`, `handle_websocket_upgrade`,
`flow`) are the ones its httptools protocol has had for years; tests/reliability/
test_slow_clients.py fails if they change.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def _plain_response(status: bytes, text: str, *extra: bytes) -> bytes:
    body = text.encode() + b"\r\n"
    head = [
        b"HTTP/1.1 " + status,
        b"content-type: text/plain; charset=utf-8",
        b"content-length: " + str(len(body)).encode(),
        b"connection: close",
        *extra,
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


_REQUEST_TIMEOUT = _plain_response(b"408 Request Timeout", "The request's headers came too slowly.")
_BUSY = _plain_response(
    b"503 Service Unavailable", "Too many open connections; try again.", b"retry-after: 5"
)


class SlowClientGuard(HttpToolsProtocol):
    """uvicorn's httptools protocol with header and body read timeouts.

    Build with `guarded_protocol(header_timeout, body_idle_timeout)`.
    """

    header_timeout: float = 10.0
    body_idle_timeout: float = 15.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None

    # -- timers ------------------------------------------------------------------------

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _arm_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
        self._body_timer = self.loop.call_later(self.body_idle_timeout, self._body_too_slow)

    def _stop_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # The previous request's answer is still being made (a pipelined request
            # is trickling in behind it): close once that answer is out.
            self.cycle.keep_alive = False
            return
        self.logger.info("Closed a connection whose request headers came too slowly.")
        self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()

    def _body_too_slow(self) -> None:
        self._body_timer = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused:
            # We stopped reading (the app has not taken what came): not the client's fault.
            self._arm_body_timer()
            return
        self.logger.info("Closed a connection whose request body stalled.")
        self.transport.close()

    # -- uvicorn's protocol hooks ------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        self._stop_body_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # A reused connection: the clock starts with the next request's first byte
        # (the keep-alive timeout covers the wait before it).
        self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        super().on_headers_complete()
        self._arm_body_timer()

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm_body_timer()

    def on_message_complete(self) -> None:
        self._stop_body_timer()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._stop_header_timer()
        self._stop_body_timer()
        limit = self.limit_concurrency
        if limit is not None and len(self.connections) >= limit:
            # Counted as uvicorn counts for HTTP requests (this connection included).
            self.logger.warning("Exceeded concurrency limit.")
            self.transport.write(_BUSY)
            self.transport.close()
            return
        super().handle_websocket_upgrade()


def guarded_protocol(header_timeout: float, body_idle_timeout: float) -> type[SlowClientGuard]:
    """The protocol class to give uvicorn as `http=`, with these timeouts."""
    return type(
        "SlowClientGuard",
        (SlowClientGuard,),
        {"header_timeout": header_timeout, "body_idle_timeout": body_idle_timeout},
    )
