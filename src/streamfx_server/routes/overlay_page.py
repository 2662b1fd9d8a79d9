"""The overlay page for OBS's Browser Source: `GET /overlay?key=…` and its script and style.

The page is static and the same for everyone: it holds no data and the server does
not look at the key here. The browser reads the key from the address, drops it from
the address bar, and sends it as the first WebSocket message (never in the socket's
URL); only renders pushed over that socket are ever drawn. See static/overlay/.

Every answer carries a strict Content-Security-Policy (own origin only, no inline
code, sockets only to this same host), no referrer (the key is in the page's URL)
and no caching.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from fastapi import APIRouter, Request, Response

router = APIRouter(tags=["overlay page"])

# File name in static/overlay/ -> Content-Type. Nothing else is ever served from there.
_FILES = {
    "index.html": "text/html; charset=utf-8",
    "overlay.js": "text/javascript; charset=utf-8",
    "overlay.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}

# A Host header we are willing to echo into the policy: a DNS name or IPv4 address, or a
# bracketed IPv6 address, with an optional port. HostCheckMiddleware has already checked
# the name; this keeps anything else a client might put after it out of the header.
_HOST = re.compile(r"^(?:[A-Za-z0-9.\-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$")


@cache
def _read(name: str) -> bytes:
    return resources.files("streamfx_server").joinpath("static", "overlay", name).read_bytes()


def content_security_policy(host: str | None) -> str:
    # 'self' covers ws:/wss: to the same host in CSP 3, but name them too for older
    # embedded Chromiums (OBS ships its own). Only this host, never a wildcard.
    sockets = ""
    if host and _HOST.match(host):
        sockets = f" ws://{host} wss://{host}"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "media-src 'self'",
            f"connect-src 'self'{sockets}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "require-trusted-types-for 'script'",
            "trusted-types 'none'",
        )
    )


def _serve(request: Request, name: str) -> Response:
    return Response(
        content=_read(name),
        media_type=_FILES[name],
        headers={
            "Content-Security-Policy": content_security_policy(request.headers.get("host")),
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )


@router.get("/overlay", include_in_schema=False)
def overlay_page(request: Request) -> Response:
    """The page for OBS's Browser Source (1920x1080, transparent)."""
    return _serve(request, "index.html")


@router.get("/overlay/overlay.js", include_in_schema=False)
def overlay_script(request: Request) -> Response:
    return _serve(request, "overlay.js")


@router.get("/overlay/overlay.css", include_in_schema=False)
def overlay_style(request: Request) -> Response:
    return _serve(request, "overlay.css")


@router.get("/overlay/favicon.svg", include_in_schema=False)
def overlay_icon(request: Request) -> Response:
    # Without an icon of its own the browser asks for /favicon.ico and logs a 404.
    return _serve(request, "favicon.svg")
