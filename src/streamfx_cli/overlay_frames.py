"""`streamfx preview --overlay`: the overlay page draws one render in headless Chromium.

The page is the server's own `/overlay`, exactly what OBS's Browser Source loads, but
its WebSocket never reaches the server: Playwright answers it inside the browser (a
`ready`, then the one `effect.triggered` carrying the preview's render). So no overlay
page of the creator's, and no agent, sees anything of a preview.

Playwright is not one of StreamFX's dependencies (the tests use it); without it, or
without a Chromium it can start, this says how to get them.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .errors import BadArgument, StreamFXError

VIEWPORT = (640, 360)  # the page scales its 1920x1080 stage to fit
# Kinds the overlay page draws (static/overlay/overlay.js `KINDS`); the rest are OBS's.
PAGE_KINDS = ("text", "flash", "image", "media", "shake", "overlay")
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
_INSTALL_HINT = (
    "Install it with `pip install playwright`, then `playwright install chromium` "
    "(or your system's chromium package)."
)
# Something is on screen: a lane is playing or particles fly.
_DRAWING_JS = (
    "() => { const o = window.streamfxOverlay; if (!o) return false;"
    " return Object.values(o.playing).some((v) => v === true || v > 0); }"
)
_PAGE_TIMEOUT_MS = 15_000


def _chromium() -> str | None:
    """A Chromium installed on this system; None: Playwright's own, if it has one."""
    return next((p for name in _CHROMIUM_NAMES if (p := shutil.which(name))), None)


def capture(
    base_url: str, render: Mapping[str, Any], frames: int, span_ms: int, key: str | None
) -> list[bytes]:
    """`frames` PNG screenshots of the page drawing `render`, across `span_ms`.

    `key` is the overlay key the page asks for asset files with; None works for every
    kind without a file. Raises StreamFXError with an install hint when Playwright or
    Chromium is missing.
    """
    kind = str(render.get("kind", ""))
    if kind not in PAGE_KINDS:
        raise BadArgument(
            f"A {kind} effect is drawn in OBS only, not by the overlay page.",
            "Preview it without --overlay.",
        )
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise StreamFXError(
            "--overlay needs Playwright, which is not installed.", _INSTALL_HINT
        ) from None

    activation = {"id": "preview", "render": dict(render)}

    def fake_server(ws: Any) -> None:
        def answer(message: str | bytes) -> None:
            try:
                sent = json.loads(message)
            except ValueError:
                return
            if isinstance(sent, dict) and sent.get("type") == "auth":
                ws.send(json.dumps({"type": "ready"}))
                ws.send(json.dumps({"type": "effect.triggered", "activation": activation}))

        ws.on_message(answer)

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=_chromium(), args=_CHROMIUM_ARGS)
        except PlaywrightError:
            raise StreamFXError(
                "Chromium could not be started for --overlay.", _INSTALL_HINT
            ) from None
        try:
            width, height = VIEWPORT
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route_web_socket(re.compile(r"/api/ws$"), fake_server)
            url = f"{base_url.rstrip('/')}/overlay?key={quote(key or 'preview')}"
            try:
                page.goto(url, timeout=_PAGE_TIMEOUT_MS)
                page.wait_for_function(_DRAWING_JS, timeout=_PAGE_TIMEOUT_MS)
            except PlaywrightError:
                raise StreamFXError(
                    f"The overlay page at {base_url} did not start drawing the effect.",
                    "Check that the server is running (`streamfx server status`).",
                ) from None
            started = time.monotonic()
            shots: list[bytes] = []
            for i in range(frames):
                due = started + span_ms * (i + 0.5) / frames / 1000
                time.sleep(max(0.0, due - time.monotonic()))
                shots.append(page.screenshot(omit_background=True))
            return shots
        finally:
            browser.close()
