"""Uploaded images, videos and sounds, fetched by the page with its overlay key."""

from __future__ import annotations

from tests.overlay.conftest import close_to, pixels_at
from tests.overlay.media import record_webm, solid_png, tone_wav


def _upload(creator, name: str, kind: str, filename: str, data: bytes, duration_ms: int) -> str:
    response = creator.client.post(
        "/api/effects/upload",
        files={"file": (filename, data, "application/octet-stream")},
        data={"name": name, "category": "alert", "kind": kind, "durationMs": str(duration_ms)},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _asset_responses(overlay) -> list:
    return [r for r in overlay.requests if "/api/assets/" in r.url]


def test_image_pops_up_in_the_middle_of_the_frame(make_creator, open_overlay, artifacts, server):
    creator = make_creator("creator")
    effect_id = _upload(
        creator, "Big pop", "image", "pop.png", solid_png(400, 240, "#12AB34"), 2500
    )
    overlay = open_overlay(creator)
    overlay.effects["big-pop"] = effect_id
    overlay.trigger("big-pop")
    page = overlay.page
    page.wait_for_function(
        """() => {
          const img = document.querySelector('img.sfx-media');
          return img && img.naturalWidth === 400 && Number(getComputedStyle(img).opacity) === 1;
        }""",
        timeout=4000,
    )
    page.wait_for_timeout(300)
    png = overlay.screenshot(artifacts / "image.png")
    centre, beside = pixels_at(page.context, png, [(960, 540), (960 - 250, 540)])
    assert close_to(centre, "#12AB34") and centre[3] == 255, centre
    assert beside[3] == 0, beside  # only the image, no backdrop around it
    # Fetched from this server with the overlay key, and with no Referer.
    requests = _asset_responses(overlay)
    assert requests
    for request in requests:
        assert request.url.endswith(f"?key={overlay.key}")
        assert request.response().status == 200
        assert not request.all_headers().get("referer")
    assert overlay.key not in server.log_text()
    page.wait_for_function("() => !document.querySelector('img.sfx-media')", timeout=5000)


def test_video_plays_in_the_middle_of_the_frame(make_creator, open_overlay, artifacts):
    creator = make_creator("creator")
    overlay = open_overlay(creator)
    video = record_webm(overlay.page.context, "#E0115F", seconds=2.0)
    overlay.effects["clip"] = _upload(creator, "Clip", "media", "clip.webm", video, 1500)
    overlay.trigger("clip")
    page = overlay.page
    page.wait_for_function(
        """() => {
          const v = document.querySelector('video.sfx-media');
          return v && !v.paused && v.currentTime > 0.2;
        }""",
        timeout=5000,
    )
    png = overlay.screenshot(artifacts / "video.png")
    (centre,) = pixels_at(page.context, png, [(960, 560)])
    assert close_to(centre, "#E0115F", tolerance=24) and centre[3] == 255, centre
    assert overlay.state()["playing"]["center"] is True
    # Gone after its durationMs.
    page.wait_for_function("() => !document.querySelector('video')", timeout=4000)
    assert overlay.state()["playing"]["center"] is False


def test_sound_plays_without_drawing_anything(make_creator, open_overlay):
    creator = make_creator("creator")
    overlay = open_overlay(creator)
    overlay.effects["ding"] = _upload(creator, "Ding", "media", "ding.wav", tone_wav(1.2), 5000)
    overlay.trigger("ding")
    page = overlay.page
    page.wait_for_function("() => window.streamfxOverlay.playing.audio", timeout=3000)
    page.wait_for_timeout(400)
    # Still playing (not refused or broken), and nothing on screen for a sound.
    assert overlay.state()["playing"]["audio"] is True
    assert overlay.screen_stats()["painted"] == 0
    requests = _asset_responses(overlay)
    assert requests
    assert all(r.response().status in (200, 206) for r in requests)
    # It ends with the sound, before the 5 s durationMs.
    page.wait_for_function("() => !window.streamfxOverlay.playing.audio", timeout=3000)
