"""The overlay page in real Chromium (Debian's), driven by Playwright's sync API.

Every test gets a fresh creator, a live session with a known brand kit, an overlay
key, and a 1920x1080 page opened at the URL `POST /api/overlay/key` hands out, the
way OBS's Browser Source would load it. Effects are fired through the HTTP API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts import TestCreator
from tests.support.live_server import LiveServer

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; CI installs it
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # OBS's Browser Source lets pages play sound without a click; so does this browser.
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "overlay"

# A brand kit no default resembles, so colours on screen can only have come from it.
KIT = {
    "name": "Overlay test kit",
    "colorPalette": {
        "primary": "#1E90FF",
        "secondary": "#FF1493",
        "accent": "#32CD32",
        "background": "#101820",
        "text": "#FFF44F",
    },
    "typography": {"headingFont": "DejaVu Sans Mono", "bodyFont": "DejaVu Sans", "baseSize": 60},
    "motionIntensity": 5,
}

# Reads the page's read-only state object (getters included) as plain JSON.
STATE_JS = "() => JSON.parse(JSON.stringify(window.streamfxOverlay))"

# Counts pixels of an RGBA buffer: how many are painted at all, and the most common
# fully opaque colours as #RRGGBB.
PIXEL_STATS_JS = """
(data) => {
  let painted = 0;
  const colours = new Map();
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 0) continue;
    painted++;
    if (data[i + 3] !== 255) continue;
    const hex = '#' + [data[i], data[i + 1], data[i + 2]]
      .map((v) => v.toString(16).padStart(2, '0')).join('').toUpperCase();
    colours.set(hex, (colours.get(hex) || 0) + 1);
  }
  const top = [...colours.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  return {painted, colours: Object.fromEntries(top)};
}
"""


# Package scope, not session: Playwright's sync API keeps an event loop running in the
# main thread while it is open, and the panel tests that run later start their own.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def effect_ids(server: LiveServer) -> Callable[[TestCreator], dict[str, str]]:
    """Slug -> id of the effects a creator sees, looked up through GET /api/effects."""

    def lookup(creator: TestCreator) -> dict[str, str]:
        response = creator.client.get("/api/effects")
        assert response.status_code == 200, response.text
        return {e["slug"]: e["id"] for e in response.json()}

    return lookup


@dataclass
class Overlay:
    """One overlay page and the creator, session and key behind it."""

    page: Any
    creator: TestCreator
    session_id: str
    key: str
    url: str
    effects: dict[str, str]
    sockets: list[Any] = field(default_factory=list)
    frames_sent: list[str] = field(default_factory=list)
    requests: list[Any] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def state(self) -> dict[str, Any]:
        return self.page.evaluate(STATE_JS)

    def wait_connected(self, timeout: float = 10_000) -> None:
        self.page.wait_for_function(
            "() => window.streamfxOverlay && window.streamfxOverlay.connected", timeout=timeout
        )

    def trigger(self, slug: str, **params: Any) -> dict[str, Any]:
        """Fire a built-in (or own) effect over HTTP; returns the activation."""
        body: dict[str, Any] = {"effectId": self.effects[slug], "sessionId": self.session_id}
        if params:
            body["params"] = params
        response = self.creator.client.post("/api/effects/trigger", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def screenshot(self, path: Path | None = None) -> bytes:
        # omit_background: what OBS composites is the page's own alpha, not a white page.
        return self.page.screenshot(path=path, omit_background=True)

    def screen_stats(self, png: bytes | None = None) -> dict[str, Any]:
        """Painted-pixel count and main colours of a screenshot (decoded by the browser)."""
        png = png if png is not None else self.screenshot()
        return decode_stats(self.page.context, png)

    def canvas_stats(self) -> dict[str, Any]:
        return self.page.evaluate(
            f"""() => {{
              const c = document.getElementById('particles');
              const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              return ({PIXEL_STATS_JS})(data);
            }}"""
        )


# Decodes the PNG in `b64` onto an OffscreenCanvas whose 2D context is `g`.
_DECODE_JS = """
  const img = new Image();
  img.src = 'data:image/png;base64,' + b64;
  await img.decode();
  const c = new OffscreenCanvas(img.width, img.height);
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
"""


def _in_blank_page(context: Any, png: bytes, script: str, arg: Any = None) -> Any:
    """Run `script` (given `b64`, `g`, `img` and `arg`) on the decoded PNG in a blank page
    of the same browser."""
    import base64

    blank = context.new_page()
    try:
        return blank.evaluate(
            f"async ([b64, arg]) => {{ {_DECODE_JS} {script} }}",
            [base64.b64encode(png).decode(), arg],
        )
    finally:
        blank.close()


def decode_stats(context: Any, png: bytes) -> dict[str, Any]:
    """Pixel statistics of a PNG, decoded in a blank page of the same browser."""
    return _in_blank_page(
        context,
        png,
        f"""const stats = ({PIXEL_STATS_JS})(g.getImageData(0, 0, img.width, img.height).data);
            stats.width = img.width;
            stats.height = img.height;
            return stats;""",
    )


def pixels_at(context: Any, png: bytes, points: list[tuple[int, int]]) -> list[list[int]]:
    """[r, g, b, a] of a PNG at each (x, y), decoded in a blank page of the same browser."""
    return _in_blank_page(
        context, png, "return arg.map(([x, y]) => [...g.getImageData(x, y, 1, 1).data]);", points
    )


def close_to(pixel: list[int], hex_colour: str, tolerance: int = 3) -> bool:
    want = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], want, strict=True))


def start_session(creator: TestCreator, kit: dict[str, Any] | None = KIT) -> str:
    body: dict[str, Any] = {"platform": "twitch", "title": "Overlay tests"}
    if kit is not None:
        made = creator.client.post("/api/brand-kit", json=kit)
        assert made.status_code == 201, made.text
        body["brandKitId"] = made.json()["id"]
    started = creator.client.post("/api/sessions/start", json=body)
    assert started.status_code == 201, started.text
    return started.json()["id"]


def new_overlay_key(creator: TestCreator) -> tuple[str, str]:
    response = creator.client.post("/api/overlay/key")
    assert response.status_code == 201, response.text
    return response.json()["key"], response.json()["url"]


def open_page(
    browser: Any,
    url: str,
    *,
    creator: TestCreator,
    session_id: str,
    key: str,
    effects: dict[str, str],
    before: Callable[[Any], None] | None = None,
) -> Overlay:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    overlay = Overlay(page, creator, session_id, key, url, effects)

    def on_socket(ws: Any) -> None:
        overlay.sockets.append(ws)
        ws.on("framesent", lambda payload: overlay.frames_sent.append(str(payload)))

    page.on("websocket", on_socket)
    page.on("request", lambda request: overlay.requests.append(request))
    page.on(
        "console",
        lambda msg: (
            overlay.console_errors.append(f"{msg.text} {msg.location}")
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda exc: overlay.console_errors.append(str(exc)))
    if before is not None:
        before(page)
    page.goto(url)
    return overlay


@pytest.fixture
def open_overlay(
    browser: Any,
    make_creator: Callable[..., TestCreator],
    effect_ids: Callable[[TestCreator], dict[str, str]],
) -> Iterator[Callable[..., Overlay]]:
    """Opens the overlay for a creator (a fresh free-tier one unless given) with KIT live."""
    opened: list[Overlay] = []

    def factory(
        creator: TestCreator | None = None,
        *,
        kit: dict[str, Any] | None = KIT,
        connect: bool = True,
        before: Callable[[Any], None] | None = None,
    ) -> Overlay:
        creator = creator or make_creator()
        session_id = start_session(creator, kit)
        key, url = new_overlay_key(creator)
        overlay = open_page(
            browser,
            url,
            creator=creator,
            session_id=session_id,
            key=key,
            effects=effect_ids(creator),
            before=before,
        )
        opened.append(overlay)
        if connect:
            overlay.wait_connected()
        return overlay

    yield factory
    for overlay in opened:
        overlay.page.context.close()


def rgb(hex_colour: str) -> str:
    """`#1E90FF` -> `rgb(30, 144, 255)`, as getComputedStyle reports colours."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def auth_frames(overlay: Overlay) -> list[dict[str, Any]]:
    out = []
    for frame in overlay.frames_sent:
        try:
            message = json.loads(frame)
        except ValueError:
            continue
        if isinstance(message, dict) and message.get("type") == "auth":
            out.append(message)
    return out


# Texts of the banners on screen now, top to bottom.
BANNERS_JS = "() => [...document.querySelectorAll('.sfx-banner')].map((b) => b.textContent)"
