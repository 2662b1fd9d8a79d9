"""The panel's arithmetic without a terminal: clocks, cooldowns, grid order, URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streamfx_cli.delivery_words import delivery_outcome
from streamfx_cli.live_socket import ws_url
from streamfx_cli.tui.model import (
    BrandKit,
    Cooldowns,
    Effect,
    SessionView,
    format_clock,
    grid_order,
    grouped,
    tile_state,
)
from streamfx_cli.tui.obs_link import effect_seconds


def effect(slug: str, category: str, built_in: bool = True, cooldown: int = 0) -> Effect:
    return Effect(slug, slug, slug.title(), category, "text", 1000, cooldown, built_in)


def test_clock_keeps_hours_for_long_streams() -> None:
    assert format_clock(0) == "0:00:00"
    assert format_clock(59.9) == "0:00:59"
    assert format_clock(3 * 3600 + 7 * 60 + 5) == "3:07:05"


def test_session_clock_runs_only_while_active() -> None:
    live = SessionView("ss", "twitch", "active", None, None, {}, 10.0, base_at=100.0)
    assert live.seconds(now=105.0) == 15.0
    paused = SessionView("ss", "twitch", "paused", None, None, {}, 10.0, base_at=100.0)
    assert paused.seconds(now=500.0) == 10.0


def test_cooldown_counts_from_when_the_server_fired_it() -> None:
    cooldowns = Cooldowns()
    fired = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    stamp = fired.isoformat().replace("+00:00", "Z")
    wall = (fired + timedelta(milliseconds=400)).timestamp()
    cooldowns.fired("fx_confetti", 1000, stamp, wall_now=wall, now=50.0)
    assert abs(cooldowns.remaining("fx_confetti", now=50.0) - 0.6) < 1e-6
    assert cooldowns.remaining("fx_confetti", now=50.7) == 0.0
    assert not cooldowns.active()
    # A clock far behind the server never makes the wait longer than the cooldown.
    cooldowns.fired("fx_brb", 2000, stamp, wall_now=fired.timestamp() - 60, now=0.0)
    assert cooldowns.remaining("fx_brb", now=0.0) == 2.0
    # No cooldown, nothing to wait for; a server refusal can only lengthen it.
    cooldowns.fired("fx_banner", 0, stamp)
    assert cooldowns.remaining("fx_banner") == 0.0
    cooldowns.hold("fx_brb", 500, now=0.0)
    assert cooldowns.remaining("fx_brb", now=0.0) == 2.0


def test_tiles_grey_for_the_kit_before_the_cooldown() -> None:
    kit = BrandKit.from_api({"id": "bk", "name": "Neon", "allowedCategories": ["text"]})
    assert tile_state(effect("flash", "alert"), kit, 0.0).note == "not in kit"
    assert tile_state(effect("flash", "alert"), kit, 3.0).note == "not in kit"
    cooling = tile_state(effect("banner", "text"), kit, 1.25)
    assert not cooling.ready and cooling.note == "1.2s"
    assert tile_state(effect("banner", "text"), kit, 0.0).ready
    assert BrandKit.defaults().allows("custom")


def test_grid_order_is_by_category_then_built_ins_then_name() -> None:
    effects = [
        effect("zap", "celebration", built_in=False),
        effect("banner", "text"),
        effect("confetti", "celebration"),
        effect("aaa", "celebration", built_in=False),
        effect("flash", "alert"),
    ]
    assert [e.slug for e in grid_order(effects)] == ["confetti", "aaa", "zap", "flash", "banner"]
    assert [c for c, _ in grouped(effects)] == ["celebration", "alert", "text"]


def test_websocket_url_follows_the_server_url() -> None:
    assert ws_url("http://127.0.0.1:8420") == "ws://127.0.0.1:8420/api/ws"
    assert ws_url("https://fx.example.com/") == "wss://fx.example.com/api/ws"


def test_how_long_an_effect_keeps_obs_busy() -> None:
    assert effect_seconds({"kind": "text", "durationMs": 4000}) == 4.0
    assert effect_seconds({"kind": "flash", "durationMs": 0}) == 0.25
    assert effect_seconds({"kind": "scene", "returnAfterMs": 300_000}) == 300.0
    assert effect_seconds({"kind": "overlay", "durationMs": 3000}) == 0.0


def test_each_delivery_reads_as_what_viewers_saw_in_a_fitting_tone() -> None:
    def said(status: str, **fields: object) -> tuple[str, str] | None:
        outcome = delivery_outcome({"status": status, "reason": None, **fields})
        return None if outcome is None else (outcome.text, outcome.tone)

    assert said("pending") is None, "the row keeps what it says"
    assert delivery_outcome(None) is None
    assert said("shown", latencyMs=42) == ("shown in OBS · 42 ms", "ok")
    assert said("shown") == ("shown in OBS", "ok")
    hidden = "StreamFX is below 'Game' in scene 'Scene'"
    assert said("hidden", reason=hidden) == (f"hidden: {hidden}", "warn")
    assert said("failed", reason="OBS is not reachable") == (
        "failed: OBS is not reachable",
        "bad",
    )
    assert said("expired", reason="no agent was running") == (
        "expired: no agent was running",
        "bad",
    )
    assert said("skipped") == ("skipped", "warn")
    assert said("overlay", reason="shown on 2 overlay pages") == ("overlay · 2 pages", "ok")
    assert said("overlay", reason="shown on 1 overlay page") == ("overlay · 1 page", "ok")
