"""Headers every answer carries: no MIME sniffing, no framing.

`X-Content-Type-Options: nosniff` keeps a browser from reading a JSON error or an
uploaded asset as HTML or script. No page of this server is meant to be shown inside
another site's frame (OBS's Browser Source loads the overlay top-level), so every
answer refuses framing, the old way (`X-Frame-Options`) and the CSP way. A response
that sets its own Content-Security-Policy (the overlay page, /docs) keeps it: a second
policy would be enforced as well, and theirs already says `frame-ancestors 'none'`.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# For answers made outside this middleware (the 500 handler runs outside all of them).
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
}
_CSP = b"content-security-policy"
_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"))
_NO_FRAMING = (_CSP, b"frame-ancestors 'none'")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in _ALWAYS if h[0] not in present)
                if _CSP not in present:
                    headers.append(_NO_FRAMING)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
