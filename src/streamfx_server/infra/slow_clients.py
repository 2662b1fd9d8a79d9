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
`flow`, `connections`) are the ones its httptools protocol has had for years;
tests/reliability/test_slow_clients.py fails if they change.
"""

from __future__ import annotations

import asyncio
import weakref
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

    Build with `guarded_protocol(header_timeout, body_idle_timeout)`. Each connection
    only notes a deadline (a float) as a request goes along; one sweep per server,
    a few times a second, closes the connections past theirs. A timer per request
    instead would cost every request about as much again as the rest of this layer.
    """

    header_timeout: float = 10.0
    body_idle_timeout: float = 15.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # When this connection is too slow, unless it makes progress first; None while
        # the app is answering or the connection is idle between requests.
        self._deadline: float | None = None
        self._reading_body = False

    # -- deadlines ---------------------------------------------------------------------

    def _expect_headers(self) -> None:
        self._deadline = self.loop.time() + self.header_timeout
        self._reading_body = False

    def _expect_body(self) -> None:
        self._deadline = self.loop.time() + self.body_idle_timeout
        self._reading_body = True

    def check_deadline(self, now: float) -> None:
        """Called by the sweep: act on a deadline that has passed."""
        if self._deadline is None or now < self._deadline or self.transport.is_closing():
            return
        self._deadline = None
        if self._reading_body:
            if self.flow.read_paused:
                # We stopped reading (the app has not taken what came): not the client's fault.
                self._expect_body()
                return
            self.logger.info("Closed a connection whose request body stalled.")
            self.transport.close()
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # The previous request's answer is still being made (a pipelined request
            # is trickling in behind it): close once that answer is out.
            self.cycle.keep_alive = False
            return
        self.logger.info("Closed a connection whose request headers came too slowly.")
        self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()

    # -- uvicorn's protocol hooks ------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_headers()
        _sweep_soon(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._deadline = None
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:
            # A reused connection: the clock starts with the next request's first byte
            # (uvicorn's keep-alive timeout covers the wait before it).
            self._expect_headers()

    def on_headers_complete(self) -> None:
        self._expect_body()
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._expect_body()
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._deadline = None
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._deadline = None
        limit = self.limit_concurrency
        if limit is not None and len(self.connections) >= limit:
            # Counted as uvicorn counts for HTTP requests (this connection included).
            self.logger.warning("Exceeded concurrency limit.")
            self.transport.write(_BUSY)
            self.transport.close()
            return
        super().handle_websocket_upgrade()


# One sweep per event loop (a server has one), running while it has connections.
_sweeps: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.TimerHandle] = (
    weakref.WeakKeyDictionary()
)


def _sweep_soon(protocol: SlowClientGuard) -> None:
    loop = protocol.loop
    if loop in _sweeps:
        return
    # Often enough that a timeout is enforced within a quarter of itself (and 1 s).
    every = min(1.0, max(0.1, min(protocol.header_timeout, protocol.body_idle_timeout) / 4))
    connections = protocol.connections

    def sweep() -> None:
        now = loop.time()
        guarded = [c for c in list(connections) if isinstance(c, SlowClientGuard)]
        for connection in guarded:
            connection.check_deadline(now)
        if guarded:
            _sweeps[loop] = loop.call_later(every, sweep)
        else:
            del _sweeps[loop]  # the next connection starts it again

    _sweeps[loop] = loop.call_later(every, sweep)


def guarded_protocol(header_timeout: float, body_idle_timeout: float) -> type[SlowClientGuard]:
    """The protocol class to give uvicorn as `http=`, with these timeouts."""
    return type(
        "SlowClientGuard",
        (SlowClientGuard,),
        {"header_timeout": header_timeout, "body_idle_timeout": body_idle_timeout},
    )
