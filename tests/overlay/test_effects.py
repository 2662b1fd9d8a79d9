"""Effects fired through the HTTP API, as they appear in the overlay page in real Chromium.

Each test writes a screenshot of what it shows to test-artifacts/overlay/.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.overlay.conftest import (
    BANNERS_JS,
    KIT,
    close_to,
    pixels_at,
    rgb,
)

PALETTE = KIT["colorPalette"]

# Records every banner that enters the banner area: its text, when it came and went
# (ms, page clock), how it moved each frame, and the most banners ever on screen at once.
WATCH_BANNERS_JS = """
() => {
  const layer = document.getElementById('layer-banner');
  const seen = new WeakMap();
  window.__banners = [];
  window.__mostBanners = 0;
  new MutationObserver((records) => {
    window.__mostBanners = Math.max(
      window.__mostBanners, layer.querySelectorAll('.sfx-banner').length);
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (!node.classList || !node.classList.contains('sfx-banner')) continue;
        const entry = {text: node.textContent, added: performance.now(), removed: null, frames: []};
        seen.set(node, entry);
        window.__banners.push(entry);
        const sample = () => {
          if (!node.isConnected) return;
          const box = node.getBoundingClientRect();
          entry.frames.push({t: performance.now() - entry.added, top: box.top, left: box.left,
                             opacity: Number(getComputedStyle(node).opacity)});
          requestAnimationFrame(sample);
        };
        sample();
      }
      for (const node of record.removedNodes) {
        const entry = seen.get(node);
        if (entry) entry.removed = performance.now();
      }
    }
  }).observe(layer, {childList: true});
}
"""

SHOWN_JS = """
(text) => [...document.querySelectorAll('.sfx-banner')].some(
  (b) => b.textContent === text && Number(getComputedStyle(b).opacity) >= 0.5)
"""


def _banner_style(page) -> dict:
    return page.eval_on_selector(
        ".sfx-banner",
        """(b) => {
          const s = getComputedStyle(b);
          return {background: s.backgroundColor, color: s.color, accent: s.borderLeftColor,
                  font: s.fontFamily, size: s.fontSize, children: b.children.length};
        }""",
    )


def test_banner_shows_in_the_kits_colours_and_font_within_500_ms(open_overlay, artifacts):
    overlay = open_overlay()
    page = overlay.page
    activation = overlay.trigger("banner", text="Thanks for the raid!")
    answered = time.monotonic()
    page.wait_for_function(SHOWN_JS, arg="Thanks for the raid!", polling="raf", timeout=3000)
    elapsed = time.monotonic() - answered
    assert elapsed < 0.5, f"banner took {elapsed * 1000:.0f} ms to show"

    assert activation["render"]["background"] == PALETTE["primary"]
    style = _banner_style(page)
    assert style["background"] == rgb(PALETTE["primary"])
    assert style["color"] == rgb(PALETTE["text"])
    assert style["accent"] == rgb(PALETTE["accent"])
    assert style["font"].startswith('"DejaVu Sans Mono"')
    assert style["size"] == "60px"

    # Once in, the kit's primary colour is what fills the most pixels on screen.
    page.wait_for_timeout(400)
    stats = overlay.screen_stats(overlay.screenshot(artifacts / "banner.png"))
    assert max(stats["colours"], key=stats["colours"].get) == PALETTE["primary"]
    assert PALETTE["text"] in stats["colours"]
    # Laid out for 1920x1080: a lower third, centred.
    box = page.eval_on_selector(".sfx-banner", "b => b.getBoundingClientRect().toJSON()")
    assert box["bottom"] > 1080 * 2 / 3 and box["bottom"] <= 1080
    assert abs((box["left"] + box["right"]) / 2 - 960) < 2


def test_banner_goes_away_after_its_duration(open_overlay):
    overlay = open_overlay()
    overlay.trigger("banner", text="Brief", durationMs=800)
    overlay.page.wait_for_function(SHOWN_JS, arg="Brief", timeout=3000)
    overlay.page.wait_for_function("() => !document.querySelector('.sfx-banner')", timeout=2000)
    assert overlay.screen_stats()["painted"] == 0
    assert overlay.state()["playing"]["banner"] is False


def test_banner_text_is_shown_as_text_never_as_markup(open_overlay):
    overlay = open_overlay()
    dialogs: list[str] = []
    overlay.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    text = '<img src=x onerror="alert(1)"> & <b>bold</b>'
    overlay.trigger("banner", text=text)
    overlay.page.wait_for_function(SHOWN_JS, arg=text, timeout=3000)
    assert _banner_style(overlay.page)["children"] == 0
    overlay.page.wait_for_timeout(200)
    assert dialogs == []
    assert not [r for r in overlay.requests if r.url.endswith("/x")]


def test_two_banners_queue_and_play_one_after_the_other(open_overlay, artifacts):
    overlay = open_overlay()
    page = overlay.page
    page.evaluate(WATCH_BANNERS_JS)
    overlay.trigger("banner", text="First in line", durationMs=1200)
    overlay.trigger("banner", text="Second in line", durationMs=1200)

    page.wait_for_function(SHOWN_JS, arg="First in line", timeout=3000)
    # The second waits its turn instead of covering the first.
    assert page.evaluate(BANNERS_JS) == ["First in line"]
    assert overlay.state()["queues"]["banner"] == 1
    overlay.screenshot(artifacts / "banner-queue-first.png")

    page.wait_for_function(SHOWN_JS, arg="Second in line", timeout=4000)
    assert page.evaluate(BANNERS_JS) == ["Second in line"]
    assert overlay.state()["queues"]["banner"] == 0
    overlay.screenshot(artifacts / "banner-queue-second.png")
    page.wait_for_function("() => !document.querySelector('.sfx-banner')", timeout=3000)

    banners = page.evaluate("window.__banners")
    assert [b["text"] for b in banners] == ["First in line", "Second in line"]
    first, second = banners
    assert page.evaluate("window.__mostBanners") == 1
    assert second["added"] >= first["removed"]
    # Each had its full time on screen.
    assert first["removed"] - first["added"] >= 1100
    assert second["removed"] - second["added"] >= 1100


def test_effects_in_different_areas_play_together(open_overlay, artifacts):
    overlay = open_overlay()
    overlay.trigger("banner", text="All at once", durationMs=3000)
    overlay.trigger("confetti")
    overlay.trigger("flash", durationMs=2000)
    overlay.page.wait_for_function(
        """() => {
          const s = window.streamfxOverlay.playing;
          return s.banner && s.flash && s.particles > 0;
        }""",
        timeout=3000,
    )
    overlay.page.wait_for_timeout(300)
    overlay.screenshot(artifacts / "together.png")
    assert overlay.page.evaluate(BANNERS_JS) == ["All at once"]
    assert overlay.canvas_stats()["painted"] > 1000


def test_motion_intensity_sets_how_far_and_how_fast_a_banner_moves(open_overlay):
    # docs/EFFECTS.md "Motion": 1 only fades; 5 travels far, overshoots and is quick.
    overlay = open_overlay()  # KIT is at motion 5, the wildest
    page = overlay.page
    page.evaluate(WATCH_BANNERS_JS)
    overlay.trigger("banner", text="Wild", durationMs=1500)
    page.wait_for_function("() => window.__banners.some(b => b.removed)", timeout=4000)

    kit_id = overlay.creator.client.get("/api/brand-kit").json()[0]["id"]
    calm = overlay.creator.client.put(f"/api/brand-kit/{kit_id}", json={"motionIntensity": 1})
    assert calm.status_code == 200, calm.text
    overlay.trigger("banner", text="Calm", durationMs=1500)
    page.wait_for_function(
        "() => window.__banners.filter(b => b.removed).length === 2", timeout=4000
    )

    def entrance(entry: dict) -> tuple[float, float]:
        """(furthest below its resting place, ms until fully in and still)."""
        frames = entry["frames"]
        rest = frames[len(frames) // 2]["top"]
        drop = max(f["top"] - rest for f in frames[: len(frames) // 2])
        settled = next(
            f["t"]
            for f in frames
            if f["opacity"] >= 0.999
            and all(abs(g["top"] - rest) < 0.5 for g in frames if f["t"] <= g["t"] <= 900)
        )
        return drop, settled

    wild, calm = page.evaluate("window.__banners")
    wild_drop, wild_settled = entrance(wild)
    calm_drop, calm_settled = entrance(calm)
    # A bold kit rises from far below; a calm one only fades in, quickly.
    assert wild_drop > 100 and calm_drop < 1, (wild_drop, calm_drop)
    assert wild_settled < 450 and calm_settled < 700, (wild_settled, calm_settled)


def test_the_overlay_moves_by_the_same_numbers_as_obs(open_overlay):
    """One effect looks alike in OBS and on the overlay: the page's timing is OBS's."""
    from streamfx_cli.obs.motion import timing

    page = open_overlay().page
    for duration in (300, 1500, 5000):
        for intensity in range(1, 6):
            seen = page.evaluate(
                "([d, m]) => window.streamfxOverlay.timing(d, m)", [duration, intensity]
            )
            want = timing(duration, intensity)
            assert abs(seen["enter"] - want.enter_ms) <= 1, (duration, intensity, seen)
            assert abs(seen["exit"] - want.exit_ms) <= 1, (duration, intensity, seen)
            assert seen["distance"] == want.distance
            assert abs(seen["overshoot"] - want.overshoot) < 1e-9


def test_flash_fills_the_frame_in_the_brand_colour_then_clears(open_overlay, artifacts):
    overlay = open_overlay()
    page = overlay.page
    activation = overlay.trigger("flash", durationMs=1500)
    assert activation["render"]["color"] == PALETTE["primary"]
    page.wait_for_selector(".sfx-flash", state="attached", timeout=2000)
    colour = page.eval_on_selector(".sfx-flash", "e => getComputedStyle(e).backgroundColor")
    assert colour == rgb(PALETTE["primary"])
    page.wait_for_timeout(250)
    png = overlay.screenshot(artifacts / "flash.png")
    corners = [(0, 0), (1919, 0), (960, 540), (0, 1079), (1919, 1079)]
    for pixel in pixels_at(page.context, png, corners):
        assert pixel[3] > 150, pixel  # covers the whole frame, strongly
        assert close_to(pixel, PALETTE["primary"], tolerance=4), pixel
    page.wait_for_function("() => !document.querySelector('.sfx-flash')", timeout=3000)
    assert overlay.screen_stats()["painted"] == 0


def test_shake_shakes_what_is_on_screen_by_the_kits_amplitude(open_overlay, artifacts):
    overlay = open_overlay()
    page = overlay.page
    overlay.trigger("banner", text="Hold still", durationMs=5000)
    page.wait_for_function(SHOWN_JS, arg="Hold still", timeout=3000)
    page.wait_for_timeout(500)
    rest = page.eval_on_selector(".sfx-banner", "b => b.getBoundingClientRect().toJSON()")
    page.evaluate(
        """() => {
          const banner = document.querySelector('.sfx-banner');
          window.__moves = [];
          const sample = () => {
            const box = banner.getBoundingClientRect();
            window.__moves.push([box.left, box.top]);
            if (window.__moves.length < 90) requestAnimationFrame(sample);
          };
          requestAnimationFrame(sample);
        }"""
    )
    activation = overlay.trigger("shake")
    amplitude = activation["render"]["amplitude"]
    assert amplitude == 20  # 12 px at intensity 3, scaled to the kit's 5
    page.wait_for_timeout(150)
    overlay.screenshot(artifacts / "shake.png")
    page.wait_for_function("() => window.__moves.length >= 90", timeout=5000)
    moves = page.evaluate("window.__moves")
    dx = max(abs(x - rest["left"]) for x, _ in moves)
    dy = max(abs(y - rest["top"]) for _, y in moves)
    assert amplitude * 0.5 <= max(dx, dy) <= amplitude * 1.05, (dx, dy)
    # And it comes to rest where it was.
    page.wait_for_function("() => !window.streamfxOverlay.playing.shake", timeout=3000)
    after = page.eval_on_selector(".sfx-banner", "b => b.getBoundingClientRect().toJSON()")
    assert (after["left"], after["top"]) == (rest["left"], rest["top"])


def _particles_painted(overlay: Any, artifacts: Path, animation: str, **render: Any) -> Any:
    """Fire a particle effect and photograph it in flight: the canvas's statistics then."""
    settle_ms = render.pop("settle_ms")
    activation = overlay.trigger(animation, **render)
    assert activation["render"]["animation"] == animation
    overlay.page.wait_for_function(
        "() => window.streamfxOverlay.playing.particles > 0", timeout=2000
    )
    overlay.page.wait_for_timeout(settle_ms)
    overlay.screenshot(artifacts / f"{animation}.png")
    return overlay.canvas_stats()


def _particles_cleared(overlay: Any) -> None:
    overlay.page.wait_for_function(
        "() => window.streamfxOverlay.playing.particles === 0", timeout=3000
    )
    assert overlay.canvas_stats()["painted"] == 0


def test_confetti_paints_the_canvas_in_the_brand_colours_then_clears(open_overlay, artifacts):
    overlay = open_overlay()
    stats = _particles_painted(overlay, artifacts, "confetti", durationMs=1800, settle_ms=450)
    assert stats["painted"] > 3000, stats
    brand = {PALETTE["primary"], PALETTE["secondary"], PALETTE["accent"]}
    assert brand <= set(stats["colours"]), stats["colours"]
    # Solid pieces are only ever brand colours.
    solid = sum(stats["colours"].values())
    assert sum(n for c, n in stats["colours"].items() if c in brand) >= 0.95 * solid
    _particles_cleared(overlay)


def test_sparkles_paint_the_canvas_then_clear(open_overlay, artifacts):
    overlay = open_overlay()
    stats = _particles_painted(overlay, artifacts, "sparkles", durationMs=2000, settle_ms=700)
    assert stats["painted"] > 500, stats
    _particles_cleared(overlay)


def test_clear_message_empties_the_screen_and_the_queues(open_overlay, artifacts):
    overlay = open_overlay()
    page = overlay.page
    overlay.trigger("banner", text="On screen", durationMs=6000)
    overlay.trigger("banner", text="Waiting", durationMs=6000)
    overlay.trigger("confetti", durationMs=6000)
    overlay.trigger("shake", durationMs=6000)
    page.wait_for_function(SHOWN_JS, arg="On screen", timeout=3000)
    page.wait_for_function("() => window.streamfxOverlay.playing.particles > 0", timeout=2000)
    assert overlay.state()["queues"]["banner"] == 1

    cleared = overlay.creator.client.post(
        "/api/overlay/clear"
    )  # what `streamfx overlay clear` sends
    assert cleared.status_code == 204
    page.wait_for_function("() => !document.querySelector('.sfx-banner')", timeout=2000)
    state = overlay.state()
    assert state["queues"] == {"banner": 0, "flash": 0, "center": 0, "audio": 0, "shake": 0}
    assert not any(state["playing"].values())
    # The queued banner never comes, and nothing is left on the screen.
    page.wait_for_timeout(600)
    assert page.evaluate(BANNERS_JS) == []
    assert overlay.screen_stats(overlay.screenshot(artifacts / "cleared.png"))["painted"] == 0
    # The page keeps working afterwards.
    overlay.trigger("banner", text="After the clear", durationMs=1000)
    page.wait_for_function(SHOWN_JS, arg="After the clear", timeout=3000)
