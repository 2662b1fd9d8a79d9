"""`/docs` (Swagger UI), only when the server runs with `--docs`, from files on this machine.

A self-hosted box often has no internet, and FastAPI's default page loads Swagger
UI from a public CDN: blank there. The page here loads Swagger UI's script and style
from the installed `fastapi-offline` package, served under `/docs/static/`, so it
works offline, and its policy allows this server's own files and the one inline
script FastAPI writes (by its hash), nothing else. `/docs` stays off by default
(API answers never need it; `/openapi.json` is always there for clients and tools),
and `/redoc` is always off.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_PATH = "/docs/static"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def swagger_assets() -> Path:
    """The folder of Swagger UI's script, style and icon, as the package installed them."""
    return Path(str(files("fastapi_offline") / "static"))


def docs_policy(page: bytes) -> str:
    """A CSP that lets `page` load this server's files and run its own inline script only."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' {hashes}",
            # Swagger UI sets element styles from its script.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def install_docs(app: FastAPI) -> None:
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title="StreamFX API",
        swagger_js_url=f"{STATIC_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{STATIC_PATH}/favicon.png",
    )
    body = bytes(page.body)
    policy = docs_policy(body)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(body, headers={"Content-Security-Policy": policy})

    app.mount(STATIC_PATH, StaticFiles(directory=swagger_assets()), name="docs-static")
