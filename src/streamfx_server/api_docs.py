"""`/docs` (Swagger UI), only when the server runs with `--docs`, under its own CSP.

Swagger UI's script and style come from the public CDN FastAPI points at: no Python
package on the project's registries ships them, and a self-hosted box without internet
would get a blank page. So `/docs` is off by default (and `/redoc`, which has the same
problem, always); `/openapi.json` is always there for clients and tools. With `--docs`
the page's policy allows that CDN's two files and the one inline script FastAPI
writes (by its hash), and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
_ASSET_URL = re.compile(rb'(?:src|href)="(https://[^"]+)"')


def _origin(url: bytes) -> str:
    parts = urlsplit(url.decode())
    return f"{parts.scheme}://{parts.netloc}"


def docs_policy(page: bytes) -> str:
    """A CSP that lets `page` load what it names and run its own inline script only."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    origins = " ".join(sorted({_origin(url) for url in _ASSET_URL.findall(page)}))
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {origins} {hashes}",
            # Swagger UI sets element styles from its script.
            f"style-src {origins} 'unsafe-inline'",
            f"img-src 'self' data: {origins}",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def install_docs(app: FastAPI) -> None:
    page = get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title="StreamFX API")
    body = bytes(page.body)
    policy = docs_policy(body)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(body, headers={"Content-Security-Policy": policy})
