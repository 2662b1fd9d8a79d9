"""The overlay page reports what it drew: an overlay-kind activation's delivery becomes
`overlay`, counting the pages that showed it (docs/AGENT.md "Delivery record")."""

from __future__ import annotations

import json
from typing import Any

from tests.overlay.conftest import Overlay, open_page
from tests.support.waiting import wait_until


def delivery(overlay: Overlay, activation_id: str) -> dict[str, Any]:
    response = overlay.creator.client.get(f"/api/activations/{activation_id}")
    assert response.status_code == 200, response.text
    return response.json()["delivery"]


def acknowledged(overlay: Overlay) -> list[str]:
    frames = [json.loads(frame) for frame in overlay.frames_sent]
    return [f["activationId"] for f in frames if f.get("type") == "drawn"]


def test_confetti_on_two_pages_is_delivered_as_overlay_on_two_pages(open_overlay, browser):
    first = open_overlay()
    second = open_page(
        browser,
        first.url,
        creator=first.creator,
        session_id=first.session_id,
        key=first.key,
        effects=first.effects,
    )
    try:
        second.wait_connected()
        confetti = first.trigger("confetti", durationMs=1500)
        # Both pages draw it...
        for page in (first, second):
            page.page.wait_for_function(
                "() => window.streamfxOverlay.playing.particles > 0", timeout=5000
            )

        # ...and the delivery counts both, once each.
        def counted_both() -> dict[str, Any] | None:
            now = delivery(first, confetti["id"])
            return now if now["reason"] == "shown on 2 overlay pages" else None

        shown = wait_until(
            counted_both,
            10,
            "the confetti's delivery to count two overlay pages",
            seen=lambda: str(delivery(first, confetti["id"])),
        )
        assert shown["status"] == "overlay"
        assert shown["drawnAt"] is not None
        assert shown["latencyMs"] >= 0
        assert acknowledged(first) == [confetti["id"]]
        assert acknowledged(second) == [confetti["id"]]

        # A flash is the agent's to report: the pages draw it and say nothing.
        flash = first.trigger("flash")
        first.page.wait_for_function("() => window.streamfxOverlay.playing.flash", timeout=5000)
        assert acknowledged(first) == [confetti["id"]]
        assert delivery(first, flash["id"])["status"] in ("pending", "expired")
        assert first.console_errors == []
        assert second.console_errors == []
    finally:
        second.page.context.close()
