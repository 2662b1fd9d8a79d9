"""The overlay's connection: a wrong or replaced key stops it; a lost server is retried."""

from __future__ import annotations

from tests.overlay.conftest import (
    BANNERS_JS,
    new_overlay_key,
    open_page,
    start_session,
)
from tests.support.accounts import new_creator
from tests.support.live_server import start_server
from tests.support.waiting import wait_until

# Longer than the first two retry delays (at most 0.5 s, then 1 s), so any retry shows.
QUIET_MS = 2500


def test_rotated_key_clears_the_page_and_stops_it_for_good(open_overlay, artifacts):
    overlay = open_overlay()
    page = overlay.page
    overlay.trigger("banner", text="Before the rotation", durationMs=10_000)
    page.wait_for_selector(".sfx-banner", timeout=3000)

    new_key, _ = new_overlay_key(overlay.creator)
    assert new_key != overlay.key
    page.wait_for_function("() => window.streamfxOverlay.stopped", timeout=5000)
    # What was on screen is gone at once: the old key shows nothing.
    assert page.evaluate(BANNERS_JS) == []

    # No reconnect attempts, and effects fired now never reach this page.
    page.wait_for_timeout(QUIET_MS)
    overlay.trigger("banner", text="After the rotation")
    overlay.trigger("confetti")
    page.wait_for_timeout(500)
    assert len(overlay.sockets) == 1
    state = overlay.state()
    assert state["connectionAttempts"] == 1
    assert state["connected"] is False
    stats = overlay.screen_stats(overlay.screenshot(artifacts / "rotated-key.png"))
    assert stats["painted"] == 0


def test_wrong_key_shows_nothing_and_does_not_retry(browser, server, creator):
    overlay = open_page(
        browser,
        f"{server.url}/overlay?key=sfo_not-a-real-key",
        creator=creator,
        session_id=start_session(creator),
        key="sfo_not-a-real-key",
        effects={},
    )
    page = overlay.page
    try:
        page.wait_for_function("() => window.streamfxOverlay.stopped", timeout=5000)
        page.wait_for_timeout(QUIET_MS)
        assert len(overlay.sockets) == 1
        assert overlay.state()["connectionAttempts"] == 1
        assert overlay.key not in page.url
        assert overlay.screen_stats(overlay.screenshot())["painted"] == 0
    finally:
        page.context.close()


def test_page_without_a_key_never_connects(browser, server):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    sockets: list = []
    page.on("websocket", lambda ws: sockets.append(ws))
    page.goto(f"{server.url}/overlay")
    page.wait_for_function("() => window.streamfxOverlay.stopped", timeout=5000)
    page.wait_for_timeout(1000)
    assert sockets == []
    context.close()


def test_page_reconnects_with_backoff_after_the_server_comes_back(browser, tmp_path, artifacts):
    # A server of its own: this one is stopped and started again mid-test.
    live = start_server(tmp_path / "data")
    creator = new_creator(live)
    context = None
    try:
        effects = {e["slug"]: e["id"] for e in creator.client.get("/api/effects").json()}
        session_id = start_session(creator)
        key, url = new_overlay_key(creator)
        overlay = open_page(
            browser, url, creator=creator, session_id=session_id, key=key, effects=effects
        )
        page = overlay.page
        context = page.context
        overlay.wait_connected()

        live.stop()
        page.wait_for_function("() => !window.streamfxOverlay.connected", timeout=5000)
        down_at = page.evaluate("window.streamfxOverlay.connectionAttempts")
        page.wait_for_timeout(3000)
        retries = page.evaluate("window.streamfxOverlay.connectionAttempts") - down_at
        # It keeps trying, but backs off: 3 s of 0.5 s, 1 s, 2 s ... waits (with jitter)
        # is 2 to 4 tries, where a fixed short delay would hammer the server.
        assert 2 <= retries <= 4, retries
        assert overlay.state()["stopped"] is False

        live.start()
        overlay.wait_connected(timeout=15_000)
        # Every retry sent the key as a message, never in the URL.
        assert len(overlay.sockets) == overlay.state()["connectionAttempts"]
        assert all(overlay.key not in ws.url for ws in overlay.sockets)
        overlay.trigger("banner", text="Back on air", durationMs=2000)
        page.wait_for_function(
            "(t) => [...document.querySelectorAll('.sfx-banner')].some(b => b.textContent === t)",
            arg="Back on air",
            timeout=3000,
        )
        overlay.screenshot(artifacts / "reconnected.png")
    finally:
        if context is not None:
            context.close()
        creator.client.close()
        live.stop()


NOTICE_JS = "() => document.getElementById('notice')?.textContent ?? null"


def test_a_preview_with_a_rotated_key_says_why_it_is_blank(open_overlay, server, artifacts):
    # The creator rotated the key and opens the old URL in preview mode
    # (`streamfx overlay preview`): the page tells them why nothing shows and how to fix it.
    first = open_overlay()
    old_key, old_url = first.key, first.url
    new_overlay_key(first.creator)
    first.page.wait_for_function("() => window.streamfxOverlay.stopped", timeout=5000)
    # On air (no preview flag) the replaced page stays blank: no notice for viewers.
    assert first.page.evaluate(NOTICE_JS) is None
    assert first.screen_stats()["painted"] == 0

    page = first.page.context.new_page()
    page.goto(old_url + "&preview=1")
    page.wait_for_function("() => window.streamfxOverlay.stopped", timeout=5000)
    page.wait_for_selector("#notice", timeout=3000)
    notice = page.evaluate(NOTICE_JS)
    assert notice == (
        "This overlay key is not valid (it may have been rotated). "
        "Get the new URL with `streamfx overlay url`."
    )
    assert page.is_visible("#notice")
    assert old_key not in page.url
    page.screenshot(path=artifacts / "preview-rotated-key.png")

    # The server says so in its log, without the key or any part of it.
    wait_until(
        lambda: "its overlay key is not valid" in server.log_text(), 5, "the refusal in the log"
    )
    lines = [line for line in server.log_text().splitlines() if "overlay key is not valid" in line]
    assert lines
    secret = old_key.removeprefix("sfo_")
    assert all(secret[:8] not in line and old_key not in line for line in lines)
    assert old_key not in server.log_text()


def test_a_preview_whose_key_is_replaced_while_open_says_so(open_overlay):
    overlay = open_overlay(connect=False)
    overlay.page.goto(overlay.url + "&preview=1")
    overlay.wait_connected()
    new_overlay_key(overlay.creator)
    overlay.page.wait_for_selector("#notice", timeout=5000)
    assert overlay.page.evaluate(NOTICE_JS) == (
        "This overlay key was replaced (rotated), so this page shows nothing any more. "
        "Get the new URL with `streamfx overlay url`."
    )


def test_an_on_air_page_with_a_wrong_key_shows_no_notice(browser, server, creator):
    overlay = open_page(
        browser,
        f"{server.url}/overlay?key=sfo_not-a-real-key",
        creator=creator,
        session_id=start_session(creator),
        key="sfo_not-a-real-key",
        effects={},
    )
    try:
        overlay.page.wait_for_function("() => window.streamfxOverlay.stopped", timeout=5000)
        assert overlay.page.evaluate(NOTICE_JS) is None
        assert overlay.screen_stats(overlay.screenshot())["painted"] == 0
    finally:
        overlay.page.context.close()
