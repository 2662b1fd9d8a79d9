"""The panel's state and fire rules without Textual or a server: what may fire, which kit
is in use, and how what the server says changes what the panel shows."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from streamfx_cli.tui.state import (
    FireRequest,
    PanelState,
    Refusal,
    SessionRequest,
    goes_to_obs,
)

EFFECTS = [
    {"id": "fx_banner", "slug": "banner", "name": "Banner", "category": "text", "cooldownMs": 0},
    {"id": "fx_flash", "slug": "flash", "name": "Flash", "category": "alert", "cooldownMs": 500},
    {
        "id": "fx_confetti",
        "slug": "confetti",
        "name": "Confetti",
        "category": "celebration",
        "cooldownMs": 1500,
        "builtIn": True,
    },
]


def session(status: str = "active", **fields: Any) -> dict[str, Any]:
    return {"id": "ss_1", "platform": "kick", "status": status, **fields}


def kit(kit_id: str, name: str, *allowed: str) -> dict[str, Any]:
    return {"id": kit_id, "name": name, "allowedCategories": list(allowed) or None}


def loaded(
    live: dict[str, Any] | None = None,
    kits: list[dict[str, Any]] | None = None,
    active: str | None = None,
) -> PanelState:
    state = PanelState()
    state.apply_snapshot(
        {
            "me": {
                "email": "a@b.c",
                "displayName": "Ann",
                "settings": {"activeBrandKitId": active},
            },
            "effects": EFFECTS,
            "kits": kits or [],
            "session": live,
        }
    )
    return state


def refusal(decision: object) -> str:
    assert isinstance(decision, Refusal), decision
    return f"{decision.notice.title}: {decision.notice.message}"


def now_stamp() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def test_the_model_imports_no_textual() -> None:
    code = (
        "import sys, streamfx_cli.tui.state, streamfx_cli.tui.notices, streamfx_cli.tui.model; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_an_effect_fires_only_in_a_live_active_session() -> None:
    assert refusal(loaded().fire_request("fx_banner")) == (
        "Banner not fired: There is no live session: press s to start one."
    )
    paused = loaded(session("paused"))
    assert refusal(paused.fire_request("fx_banner")) == (
        "Banner not fired: The session is paused: press p to resume it."
    )
    ended = loaded(session("ended"))
    assert "no live session" in refusal(ended.fire_request("fx_banner"))
    assert loaded(session()).fire_request("fx_banner") == FireRequest(
        loaded().effects["fx_banner"], "ss_1"
    )


def test_the_kit_in_use_is_checked_before_the_cooldown_and_the_session() -> None:
    state = loaded(kits=[kit("bk_1", "Calm", "text")], active="bk_1")
    state.cooldowns.hold("fx_flash", 5000)
    assert refusal(state.fire_request("fx_flash")) == (
        "Flash not fired: The brand kit 'Calm' does not allow alert effects."
    )
    # Allowed, but cooling down: the seconds left, and nothing is sent.
    state = loaded(session())
    state.cooldowns.hold("fx_flash", 5000)
    assert refusal(state.fire_request("fx_flash")).startswith(
        "Flash not fired: Flash is cooling down: "
    )


def test_an_unknown_effect_asks_for_a_reload() -> None:
    decision = loaded(session()).fire_request("fx_gone")
    assert isinstance(decision, Refusal) and decision.reload
    assert decision.notice.message == "That effect is gone; reloading."


def test_a_server_without_stored_keys_gets_keys_by_grid_place() -> None:
    state = loaded(session())
    assert [e.name for e in state.order] == ["Confetti", "Flash", "Banner"]
    assert state.effect_for_number(1) == "fx_confetti"
    assert state.effect_for_number(3) == "fx_banner"
    assert refusal(state.effect_for_number(4)) == (
        "Effects: No effect is on key 4: select a tile and press n to put it there."
    )
    assert refusal(PanelState().effect_for_number(1)) == (
        "Effects: The effects have not loaded yet."
    )


def with_keys(**keys: int | None) -> PanelState:
    state = PanelState()
    effects = [{**e, "key": keys.get(str(e["slug"]))} for e in EFFECTS]
    state.apply_snapshot({"me": {}, "effects": effects, "kits": [], "session": session()})
    return state


def test_number_keys_fire_the_stored_key_not_the_place_in_the_grid() -> None:
    state = with_keys(banner=1, flash=5)
    assert [e.name for e in state.order] == ["Confetti", "Flash", "Banner"]
    assert state.effect_for_number(1) == "fx_banner"
    assert state.effect_for_number(5) == "fx_flash"
    assert isinstance(state.effect_for_number(2), Refusal)  # Confetti has no key


def test_effects_changed_elsewhere_keep_every_other_key() -> None:
    state = with_keys(banner=1, flash=2, confetti=3)
    new = {"id": "fx_hype", "slug": "hype", "name": "Hype", "category": "celebration", "key": 4}
    state.effect_updated({"effect": new})
    # It sorts first in the grid; the keys stay where they were.
    assert [e.name for e in state.order] == ["Confetti", "Hype", "Flash", "Banner"]
    assert [state.effect_for_number(n) for n in (1, 2, 3, 4)] == [
        "fx_banner",
        "fx_flash",
        "fx_confetti",
        "fx_hype",
    ]
    state.effect_updated({"effect": {**new, "key": None}, "deleted": True})
    assert "fx_hype" not in state.effects
    assert isinstance(state.effect_for_number(4), Refusal)


def test_the_active_kit_chosen_elsewhere_is_the_one_firing_uses() -> None:
    state = loaded(session(), kits=[kit("bk_calm", "Calm", "text"), kit("bk_neon", "Neon")])
    state.active_kit_id = "bk_calm"
    assert isinstance(state.fire_request("fx_flash"), Refusal)
    state.settings_updated({"settings": {"activeBrandKitId": "bk_neon"}})
    assert state.effective_kit().name == "Neon"
    assert state.me is not None and state.me["email"] == "a@b.c"  # the rest of the account stays
    assert not isinstance(state.fire_request("fx_flash"), Refusal)


def test_a_change_heard_during_a_reload_reads_once_more() -> None:
    # The reload may have read before the change: the panel reads again after it.
    state = loaded(session())
    state.loading = True
    state.settings_updated({"settings": {}})
    assert state.load_again


def test_the_kit_in_use_is_the_sessions_then_the_active_then_the_defaults() -> None:
    kits = [kit("bk_calm", "Calm", "alert"), kit("bk_neon", "Neon")]
    assert loaded(kits=kits).effective_kit().name == "StreamFX defaults"
    assert loaded(kits=kits, active="bk_neon").effective_kit().name == "Neon"
    own = loaded(session(brandKitId="bk_calm"), kits, active="bk_neon")
    assert own.effective_kit().name == "Calm"
    assert own.session_kit_id == "bk_calm"
    # The session's kit deleted: the active one again; the active one deleted: defaults.
    own.kit_updated({"brandKit": {"id": "bk_calm"}, "deleted": True})
    assert own.effective_kit().name == "Neon"
    own.kit_updated({"brandKit": {"id": "bk_neon", "deleted": True}})
    assert own.active_kit_id is None
    assert own.effective_kit().name == "StreamFX defaults"
    assert [k.name for k in loaded(kits=kits).kits_by_name()] == ["Calm", "Neon"]


def test_an_edited_kit_changes_what_may_fire_at_once() -> None:
    state = loaded(session(), [kit("bk_1", "Calm", "text")], active="bk_1")
    assert isinstance(state.fire_request("fx_flash"), Refusal)
    state.kit_updated({"brandKit": kit("bk_1", "Calm", "text", "alert")})
    assert isinstance(state.fire_request("fx_flash"), FireRequest)


def test_any_activation_starts_the_cooldown_and_says_whose_it_was() -> None:
    state = loaded(session())
    stamp = now_stamp()
    entry = state.heard_activation(
        {"id": "ac_1", "effectId": "fx_confetti", "source": "hotkey", "triggeredAt": stamp}
    )
    assert (entry.effect, entry.source, entry.outcome, entry.tone) == (
        "Confetti",
        "hotkey",
        "fired",
        "ok",
    )
    assert 1.0 < state.cooldowns.remaining("fx_confetti") <= 1.5
    assert isinstance(state.fire_request("fx_confetti"), Refusal)
    state.mine.add("ac_2")
    mine = state.heard_activation({"id": "ac_2", "effectId": "fx_banner", "source": "tui"})
    assert (mine.source, mine.outcome, mine.tone) == ("panel", "sending…", "busy")
    # An effect the panel has not loaded yet is named from the activation's render.
    other = state.heard_activation(
        {"id": "ac_3", "effectId": "ef_new", "render": {"effect": {"name": "Hype"}}}
    )
    assert other.effect == "Hype"


def test_a_server_refusal_corrects_the_panel() -> None:
    state = loaded(session())
    banner = state.effects["fx_banner"]
    assert not state.refused(banner, "cooldown", {"retryAfterMs": 3000})
    assert 2.5 < state.cooldowns.remaining("fx_banner") <= 3.0
    for code in ("session_paused", "session_ended", "no_live_session"):
        assert state.refused(banner, code, {}), code
    assert not state.refused(banner, "category_not_allowed", {})


def test_session_controls_need_a_live_session() -> None:
    idle = loaded()
    assert idle.may_start_session() is None
    assert idle.pause_request().message == "There is no live session to pause."
    assert idle.end_request().message == "There is no live session to end."
    live = loaded(session())
    assert live.may_start_session().message == "A session is already live: end it first (e)."
    assert live.pause_request() == SessionRequest("pause", "ss_1")
    assert live.end_request().id == "ss_1"
    assert loaded(session("paused")).pause_request() == SessionRequest("resume", "ss_1")


def test_session_updates_keep_the_live_session_in_view() -> None:
    state = loaded(session())
    assert state.last_platform == "kick"
    # An old session's late "ended" never hides the live one.
    assert not state.session_updated({"id": "ss_0", "platform": "twitch", "status": "ended"})
    assert state.session is not None and state.session.id == "ss_1"
    assert state.session_updated(session("paused", metrics={"effectsTriggered": 4}))
    assert state.session.status == "paused" and state.session.effects_fired == 4
    assert state.session_updated(session("ended"))
    assert state.live_session is None and state.session is not None  # "Ended after …"


def test_a_reload_without_a_live_session_ends_the_one_shown() -> None:
    state = loaded(session())
    state.apply_snapshot({"me": {"settings": {}}, "effects": EFFECTS, "kits": [], "session": None})
    assert state.session is None
    assert state.snapshots == 2
    assert state.last_platform == "kick", "the next session starts on the same platform"


def test_the_account_and_active_kit_come_from_me() -> None:
    state = loaded(kits=[kit("bk_1", "Calm")])
    assert state.account == "Ann <a@b.c>"
    assert state.active_kit_id is None
    state.active_kit_saved({"email": "a@b.c", "settings": {"activeBrandKitId": "bk_1"}})
    assert state.active_kit_id == "bk_1"
    assert state.effective_kit().name == "Calm"


def test_tiles_repaint_while_cooling_and_once_after() -> None:
    state = loaded(session())
    assert not state.cooldowns_moved()
    state.cooldowns.hold("fx_flash", 1000, now=time.monotonic() - 5)  # already over
    assert state.cooldowns_moved()
    assert state.cooldowns.remaining("fx_flash") == 0.0  # what a repaint asks
    assert state.cooldowns_moved(), "one more repaint to clear the countdown"
    assert not state.cooldowns_moved()


def test_overlay_effects_are_not_drawn_in_obs() -> None:
    assert not goes_to_obs({"id": "ac_1", "render": {"kind": "overlay"}})
    assert goes_to_obs({"id": "ac_2", "render": {"kind": "text"}})
    assert goes_to_obs({"id": "ac_3", "render": {"kind": "flash"}})


def drawing(agent_id: str, target: str = "127.0.0.1:4455") -> dict[str, Any]:
    return {"type": "agent.status", "state": "drawing", "agentId": agent_id, "target": target}


def down(target: str = "127.0.0.1:4455") -> dict[str, Any]:
    return {"type": "agent.status", "state": "down", "target": target}


def test_the_agent_is_read_at_load_and_followed_by_its_events() -> None:
    state = PanelState()
    assert state.agent_drawing is None, "unknown until the server said"
    state.loading = True
    state.apply_snapshot(
        {
            "me": {"email": "a@b.c"},
            "effects": EFFECTS,
            "kits": [],
            "session": None,
            "agents": [{"agentId": "ag_one", "target": "127.0.0.1:4455", "since": now_stamp()}],
        }
    )
    state.loading = False
    assert state.agent_drawing is True
    assert state.agent is not None and state.agent.agent_id == "ag_one"
    state.agent_status(drawing("ag_two", "10.0.0.2:4455"))
    state.agent_status(down())
    assert state.agent is not None and state.agent.agent_id == "ag_two"
    state.agent_status(down("10.0.0.2:4455"))
    assert state.agent_drawing is False and state.agent is None


def test_news_of_the_agent_heard_during_a_reload_outlives_what_the_reload_read() -> None:
    state = loaded()
    state.loading = True
    # The reload read "no agent"; an agent said hello after that read, before its answer.
    state.agent_status(drawing("ag_late"))
    state.apply_snapshot({"me": {}, "effects": [], "kits": [], "session": None, "agents": []})
    assert state.agent is not None and state.agent.agent_id == "ag_late"
    # Once applied, older news is not applied again by the next reload.
    state.apply_snapshot({"me": {}, "effects": [], "kits": [], "session": None, "agents": []})
    assert state.agent_drawing is False


def test_a_panel_fire_is_left_to_the_agent_the_server_names() -> None:
    state = loaded(session())
    render = {"kind": "text"}
    assert state.accepted({"id": "ac_1", "render": render, "agent": None}).text == (
        "sending to OBS…"
    )
    agent = {"agentId": "ag_one", "target": "127.0.0.1:4455"}
    assert state.accepted({"id": "ac_2", "render": render, "agent": agent}).text == (
        "the agent draws it…"
    )
    assert state.accepted({"id": "ac_3", "render": {"kind": "overlay"}}).text == "overlay only"
    assert state.left_to_agent("ac_2") and not state.left_to_agent("ac_2"), "asked once"
    assert not state.left_to_agent("ac_1")


def test_a_recorded_delivery_wins_over_older_news_of_the_same_activation() -> None:
    state = loaded(session())
    delivered = {
        "id": "ac_1",
        "effectId": "fx_banner",
        "delivery": {"status": "shown", "reason": None, "latencyMs": 31},
    }
    assert state.delivery_heard({**delivered, "delivery": {"status": "pending"}}) is None
    shown = state.delivery_heard(delivered)
    assert shown is not None and shown.text == "shown in OBS · 31 ms"
    # The worker's "drawing" or the trigger's answer arriving after it change nothing.
    assert state.accepted({"id": "ac_1", "render": {"kind": "text"}}) == shown
    entry = state.heard_activation({"id": "ac_1", "effectId": "fx_banner", "source": "api"})
    assert (entry.outcome, entry.tone) == ("shown in OBS · 31 ms", "ok")
