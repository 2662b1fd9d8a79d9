"""The overlay page itself: how it is served, how it connects, and what it keeps to itself."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx

from tests.overlay.conftest import BANNERS_JS, auth_frames


def test_page_is_served_with_a_strict_policy_no_referrer_and_no_cache(server):
    response = httpx.get(f"{server.url}/overlay", params={"key": "sfo_anything"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    policy = {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1:]
        for part in response.headers["content-security-policy"].split(";")
    }
    host = urlsplit(server.url).netloc
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == [f"'self' ws://{host} wss://{host}"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "unsafe" not in response.headers["content-security-policy"]
    # Nothing inline to allow, and nothing fetched from anywhere else.
    html = response.text
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert (
        "http://" not in html
        and "https://" not in html
        and "//" not in html.replace("<!doctype", "")
    )
    # The page's script and style come with the same guards.
    for path in ("/overlay/overlay.js", "/overlay/overlay.css"):
        asset = httpx.get(f"{server.url}{path}")
        assert asset.status_code == 200, path
        assert asset.headers["cache-control"] == "no-store"
        assert asset.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(f"{server.url}/overlay/app.py").status_code == 404


def test_page_refuses_to_echo_a_forged_host_into_its_policy(server):
    forged = f"127.0.0.1:{server.port} 'unsafe-inline' *"
    # The Host check looks at the name only, so this reaches the page...
    response = httpx.get(f"{server.url}/overlay", headers={"Host": forged})
    assert response.status_code == 200
    # ...which must not let a header widen its own policy.
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "*" not in policy
    assert "connect-src 'self';" in policy


def test_page_connects_and_hides_the_key(open_overlay, server):
    overlay = open_overlay()
    page = overlay.page
    assert overlay.state()["connected"] is True
    assert overlay.state()["stopped"] is False

    # The key left the address bar (and so the page's history entry) at once.
    assert overlay.key in overlay.url
    assert overlay.key not in page.url
    assert page.evaluate("location.search") == ""

    # One socket, to /api/ws on the page's own host, without the key in its URL;
    # the key travels only as the first message.
    assert len(overlay.sockets) == 1
    socket_url = urlsplit(overlay.sockets[0].url)
    assert (socket_url.scheme, socket_url.netloc, socket_url.path) == (
        "ws",
        urlsplit(overlay.url).netloc,
        "/api/ws",
    )
    assert overlay.key not in overlay.sockets[0].url and socket_url.query == ""
    assert json.loads(overlay.frames_sent[0]) == {"type": "auth", "token": overlay.key}
    assert len(auth_frames(overlay)) == 1

    # Everything the page loaded came from the server itself, with no Referer to leak
    # the key, and only the page's own URL carried it.
    origin = urlsplit(overlay.url).netloc
    loaded = [r for r in overlay.requests if not r.url.startswith("ws")]
    paths = {urlsplit(r.url).path for r in loaded}
    assert paths - {"/overlay/favicon.svg"} == {
        "/overlay",
        "/overlay/overlay.js",
        "/overlay/overlay.css",
    }
    assert all(urlsplit(r.url).netloc == origin for r in loaded)
    assert [r.url for r in loaded if overlay.key in r.url] == [overlay.url]
    assert [r.url for r in loaded if r.all_headers().get("referer")] == []
    # The server logged the page's request without the key.
    assert "/overlay?key=" in server.log_text()
    assert overlay.key not in server.log_text()
    # Ran under its Content-Security-Policy without a single violation or error.
    assert overlay.console_errors == []

    # The state object is there to read, not to steer the page.
    page.evaluate(
        """() => {
          try { window.streamfxOverlay.connected = false; } catch {}
          try { window.streamfxOverlay = {connected: false}; } catch {}
        }"""
    )
    assert overlay.state()["connected"] is True


def test_page_scales_its_1920x1080_layout_to_a_smaller_source(open_overlay):
    overlay = open_overlay()
    page = overlay.page
    overlay.trigger("banner", text="Full size", durationMs=1500)
    page.wait_for_timeout(600)
    full = page.eval_on_selector(".sfx-banner", "b => b.getBoundingClientRect().toJSON()")
    page.wait_for_function("() => !document.querySelector('.sfx-banner')", timeout=3000)

    page.set_viewport_size({"width": 1280, "height": 720})  # a 720p Browser Source
    overlay.trigger("banner", text="Full size", durationMs=1500)
    page.wait_for_timeout(600)
    small = page.eval_on_selector(".sfx-banner", "b => b.getBoundingClientRect().toJSON()")
    for edge in ("left", "top", "width", "height"):
        assert abs(small[edge] - full[edge] * 2 / 3) < 1.5, (edge, small, full)
    assert page.evaluate("document.scrollingElement.scrollWidth") == 1280


def test_page_is_transparent_and_shows_nothing_until_an_effect_fires(open_overlay, artifacts):
    overlay = open_overlay()
    page = overlay.page
    for selector in ("html", "body"):
        colour = page.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor")
        assert colour == "rgba(0, 0, 0, 0)", selector
    stats = overlay.screen_stats(overlay.screenshot(artifacts / "idle.png"))
    assert (stats["width"], stats["height"]) == (1920, 1080)
    assert stats["painted"] == 0


def test_page_draws_only_renders_never_other_messages(open_overlay):
    overlay = open_overlay()
    client = overlay.creator.client
    # Session and brand kit changes are pushed to every connection of the creator...
    kit_id = client.get("/api/brand-kit").json()[0]["id"]
    assert client.put(f"/api/brand-kit/{kit_id}", json={"name": "Renamed"}).status_code == 200
    assert client.post("/api/sessions/pause", json={"sessionId": overlay.session_id}).is_success
    assert client.post("/api/sessions/resume", json={"sessionId": overlay.session_id}).is_success
    # ...and the brb effect is a scene switch, which only OBS does.
    overlay.trigger("brb")
    overlay.page.wait_for_timeout(400)
    assert overlay.screen_stats()["painted"] == 0
    assert overlay.page.evaluate(BANNERS_JS) == []
    assert overlay.page.evaluate("document.body.innerText.trim()") == ""
    assert overlay.state()["connected"] is True
