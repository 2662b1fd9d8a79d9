"""ASGI middleware that guards every request before routing: Host names, WebSocket Origins, body size."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .settings import Settings


def _host_without_port(raw: str) -> str:
    raw = raw.strip().lower()
    if raw.startswith("["):
        return raw[1 : raw.find("]")] if "]" in raw else raw
    if raw.count(":") == 1:
        return raw.split(":", 1)[0]
    return raw


_CLOSE = (b"connection", b"close")


async def _send_json(send: Send, status: int, body: dict, close: bool = False) -> None:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, _CLOSE] if close else headers,
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _default_port(scheme: str) -> int:
    return 443 if scheme in ("https", "wss") else 80


def _own_ports(settings: Settings, host_header: str | None) -> set[int]:
    base = urlsplit(settings.base_url)
    ports = {settings.port, base.port or _default_port(base.scheme)}
    host = (host_header or "").strip()
    tail = host.rsplit("]", 1)[-1] if host.startswith("[") else host
    if ":" in tail:
        with contextlib.suppress(ValueError):
            ports.add(int(tail.rsplit(":", 1)[1]))
    else:
        # No port in Host: the client came through a default port (a reverse proxy).
        ports.update((80, 443))
    return ports


def origin_allowed(settings: Settings, origin: str, host_header: str | None) -> bool:
    """True for the server's own origins: a page it served, under a name it answers to.

    Starlette's CORS middleware skips WebSockets and browsers do not apply the
    same-origin policy to them, so without this any web page could open a socket here.
    A different port on the same host is a different origin (another local app).
    """
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname.lower() not in settings.host_names:
        return False
    return (port or _default_port(parts.scheme)) in _own_ports(settings, host_header)


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return value.decode("latin-1")
    return None


class HostCheckMiddleware:
    """Refuse a Host that is not ours (a web page cannot reach us by DNS rebinding), and a
    WebSocket opened by a page from another origin.

    A foreign Host gets 400 (a WebSocket 403); a foreign Origin on a WebSocket gets 403
    before the handshake completes. No Origin at all is not a browser (CLI, panel,
    scripts): the token alone guards those.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.allowed = frozenset(settings.host_names)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw_host = _header(scope, b"host")
        host = _host_without_port(raw_host or "")
        if host not in self.allowed:
            await self._refuse_host(scope, send)
            return
        if scope["type"] == "websocket":
            origin = _header(scope, b"origin")
            if origin is not None and not origin_allowed(self.settings, origin, raw_host):
                # Closing before accepting makes the server answer the handshake with 403.
                # (A denial response with a body would work too, but uvicorn then logs a
                # spurious "returned without completing handshake" error, and browsers
                # never show that body to the page anyway.)
                await send(
                    {"type": "websocket.close", "code": 4403, "reason": "origin_not_allowed"}
                )
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse_host(scope: Scope, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await _send_json(
            send,
            400,
            {
                "error": "This server does not answer to that host name.",
                "code": "invalid_host",
                "hint": "Use 127.0.0.1 or localhost, or start the server with --allowed-host NAME.",
            },
        )


class BodyTooLarge(HTTPException):
    # An HTTPException so that FastAPI's body parsing re-raises it as a 413
    # instead of wrapping it into a generic 400.
    def __init__(self) -> None:
        super().__init__(413)


class BodyLimitMiddleware:
    """Refuse bodies over a limit, counting bytes as they arrive (Content-Length may lie or be absent)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        has_body = False
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await _too_large(send, limit)
                    return
                has_body = has_body or declared > 0
            elif name == b"transfer-encoding":
                has_body = True
        received = 0
        body_done = not has_body
        started = False

        async def counting_receive() -> Message:
            nonlocal received, body_done
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
                if not message.get("more_body", False):
                    body_done = True
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if not body_done:
                    # Answered before the body was read (a refused upload): ask the client to
                    # hang up, or the server would go on reading and discarding all of it.
                    message = {**message, "headers": [*message.get("headers", []), _CLOSE]}
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


async def _too_large(send: Send, limit: int) -> None:
    await _send_json(
        send,
        413,
        {
            "error": f"The request body is larger than this endpoint accepts ({limit} bytes).",
            "code": "payload_too_large",
            "hint": "Send a smaller body.",
        },
        # The rest of the body is never read: hang up instead of draining it.
        close=True,
    )
