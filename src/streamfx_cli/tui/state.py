"""Everything the panel knows, and the rules for what may happen next, without Textual.

`PanelState` holds what the server and OBS last said (the account, the effects in
grid order, the brand kits, the live session, cooldowns, the two connections'
status) and answers the questions the keys ask: may this effect fire now, and if
not, what to tell the streamer; which kit firing will use; may a session be
paused or ended. The app feeds it what its workers and links report and renders
what it holds; nothing here waits on the network or draws on the screen, so all
of it is tested without a server (tests/tui/test_state.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..delivery_words import Outcome, delivery_outcome, source_label
from . import notices
from .model import (
    AgentHolder,
    BrandKit,
    Cooldowns,
    Effect,
    SessionView,
    grid_order,
    keyed_by_place,
)
from .notices import Notice

# The server's refusals that mean the panel's idea of the session is out of date.
SESSION_GONE = ("session_paused", "session_ended", "no_live_session")
# Deliveries remembered for rows whose other news may still come in (the feed's size).
DELIVERIES_KEPT = 500

SENDING_TO_OBS = Outcome("sending to OBS…", "busy")
AGENT_DRAWS = Outcome("the agent draws it…", "busy")
OVERLAY_ONLY = Outcome("overlay only", "ok")


def goes_to_obs(activation: Mapping[str, Any]) -> bool:
    """Whether the panel draws this activation in OBS (overlay effects are the browser
    overlay's alone)."""
    return (activation.get("render") or {}).get("kind") != "overlay"


@dataclass(frozen=True)
class ObsState:
    """The kept OBS connection as the header shows it."""

    status: str  # connecting | connected | reconnecting | down
    obs_version: str = ""
    websocket_version: str = ""
    detail: str = ""
    waiting: bool = False  # True: not retrying until asked (refused password)

    @property
    def connected(self) -> bool:
        return self.status == "connected"


@dataclass(frozen=True)
class FireRequest:
    """Go ahead: trigger `effect` in the live session."""

    effect: Effect
    session_id: str


@dataclass(frozen=True)
class Refusal:
    """Not now, and why; `reload` when the panel's own picture is out of date."""

    notice: Notice
    reload: bool = False


@dataclass(frozen=True)
class SessionRequest:
    """A session call to make: `action` (pause | resume | end) on `session_id`."""

    action: str
    session_id: str


@dataclass(frozen=True)
class FeedEntry:
    """One row of the activity feed."""

    id: str
    triggered_at: str | None
    effect: str
    source: str
    outcome: str
    tone: str


@dataclass
class PanelState:
    me: dict[str, Any] | None = None
    effects: dict[str, Effect] = field(default_factory=dict)
    order: list[Effect] = field(default_factory=list)  # grid order; 1-9 fire by Effect.key
    kits: dict[str, BrandKit] = field(default_factory=dict)
    active_kit_id: str | None = None
    session: SessionView | None = None
    cooldowns: Cooldowns = field(default_factory=Cooldowns)
    last_platform: str = "twitch"
    server_status: str = "connecting"  # connecting | live | reconnecting | signed-out
    obs: ObsState = field(default_factory=lambda: ObsState("connecting"))
    mine: set[str] = field(default_factory=set)  # activations fired from this panel
    snapshots: int = 0  # how many times everything was loaded from the server
    loading: bool = False  # a reload from the server is under way
    load_again: bool = False  # ... and asked for once more meanwhile
    # The agents drawing now, by OBS target, oldest first; None until the server said.
    agents: dict[str, AgentHolder] | None = None
    # What came of activations (docs/AGENT.md "Delivery record"), as the feed says it.
    delivered: dict[str, Outcome] = field(default_factory=dict)
    agent_draws: set[str] = field(default_factory=set)  # this panel's, left to the agent
    # The effect of each activation in the feed, to fire a row again (`a`).
    feed_effects: dict[str, str] = field(default_factory=dict)
    _agent_news: list[Mapping[str, Any]] = field(default_factory=list, init=False, repr=False)
    _had_cooldowns: bool = field(default=False, init=False, repr=False)

    # -- what is in use -------------------------------------------------------------

    @property
    def live_session(self) -> SessionView | None:
        return self.session if self.session is not None and self.session.live else None

    @property
    def session_kit_id(self) -> str | None:
        live = self.live_session
        return live.brand_kit_id if live else None

    def effective_kit(self) -> BrandKit:
        """The kit firing uses: the live session's own, else the active one, else defaults."""
        for kit_id in (self.session_kit_id, self.active_kit_id):
            if kit_id and kit_id in self.kits:
                return self.kits[kit_id]
        return BrandKit.defaults()

    def kits_by_name(self) -> list[BrandKit]:
        return sorted(self.kits.values(), key=lambda k: k.name.lower())

    # -- the fire rules ---------------------------------------------------------------

    def effect_for_number(self, number: int) -> str | Refusal:
        """The effect id number key `number` fires (the one holding that key, docs/PANEL.md
        "Keys"), or why there is none."""
        for effect in self.order:
            if effect.key == number:
                return effect.id
        if not self.order:
            return Refusal(Notice("The effects have not loaded yet.", "Effects", "warning"))
        why = f"No effect is on key {number}: select a tile and press n to put it there."
        return Refusal(Notice(why, "Effects"))

    def fire_request(self, effect_id: str) -> FireRequest | Refusal:
        """Whether `effect_id` may fire now: the kit in use, its cooldown, the session.

        Checked before anything is sent; the server stays the judge (a refusal
        it sends anyway comes back through `refused`).
        """
        if not self.snapshots:  # the grid may show the last start's effects meanwhile
            return Refusal(Notice("The effects have not loaded yet.", "Effects", "warning"))
        effect = self.effects.get(effect_id)
        if effect is None:
            notice = Notice("That effect is gone; reloading.", "Effects", "warning")
            return Refusal(notice, reload=True)
        kit = self.effective_kit()
        if not kit.allows(effect.category):
            why = f"The brand kit {kit.name!r} does not allow {effect.category} effects."
            return Refusal(notices.not_fired(effect.name, why))
        left = self.cooldowns.remaining(effect.id)
        if left > 0:
            why = f"{effect.name} is cooling down: {left:.1f} s left."
            return Refusal(notices.not_fired(effect.name, why))
        session = self.live_session
        if session is None:
            why = "There is no live session: press s to start one."
            return Refusal(notices.not_fired(effect.name, why))
        if session.status == "paused":
            why = "The session is paused: press p to resume it."
            return Refusal(notices.not_fired(effect.name, why))
        return FireRequest(effect, session.id)

    def replay_request(self, activation_id: str | None) -> FireRequest | Refusal:
        """Whether the feed's selected row may be fired again now: by the same rules as
        firing its effect (docs/EFFECTS.md "History"); the server stays the judge."""
        if activation_id is None:
            why = "Select a row of the activity feed first (Tab to it, then ↑/↓), then press a."
            return Refusal(Notice(why, "Fire again"))
        effect_id = self.feed_effects.get(activation_id)
        if effect_id is None or effect_id not in self.effects:
            return Refusal(Notice("That effect is gone, so it cannot fire again.", "Fire again"))
        return self.fire_request(effect_id)

    def refused(self, effect: Effect, code: str, body: Mapping[str, Any]) -> bool:
        """Learn from the server's refusal; True when the panel should reload."""
        if code == "cooldown":
            self.cooldowns.hold(effect.id, float(body.get("retryAfterMs") or 0))
        return code in SESSION_GONE

    # -- session controls ----------------------------------------------------------------

    def may_start_session(self) -> Notice | None:
        if self.live_session is not None:
            return Notice("A session is already live: end it first (e).", "Session")
        return None

    def pause_request(self) -> SessionRequest | Notice:
        session = self.live_session
        if session is None:
            return Notice("There is no live session to pause.", "Session")
        action = "resume" if session.status == "paused" else "pause"
        return SessionRequest(action, session.id)

    def end_request(self) -> SessionView | Notice:
        """The session the confirmation asks about, or why there is none."""
        session = self.live_session
        if session is None:
            return Notice("There is no live session to end.", "Session")
        return session

    # -- what the server said ------------------------------------------------------------

    def apply_snapshot(self, snapshot: Mapping[str, Any]) -> None:
        """Everything read in one go (Backend.snapshot) replaces what the panel had."""
        self._set_me(snapshot["me"])
        self.kits = {k["id"]: BrandKit.from_api(k) for k in snapshot["kits"]}
        effects = [Effect.from_api(e) for e in snapshot["effects"]]
        if not any("key" in e for e in snapshot["effects"]):
            effects = keyed_by_place(effects)
        self._set_effects(effects)
        session = snapshot["session"]
        if session is not None:
            self.session = SessionView.from_api(session)
            self.last_platform = self.session.platform
        elif self.live_session is not None:
            self.session = None  # ended while we were away
        if snapshot.get("agents") is not None:
            self._agents_loaded(snapshot["agents"])
        self._agent_news.clear()
        self.snapshots += 1

    def _set_effects(self, effects: list[Effect]) -> None:
        self.effects = {e.id: e for e in effects}
        self.order = grid_order(effects)

    def effect_updated(self, message: Mapping[str, Any]) -> None:
        """`effect.updated`: an effect was created, changed, given or freed a key, or
        deleted, here or elsewhere (the CLI, another panel)."""
        effect = Effect.from_api(message["effect"])
        effects = dict(self.effects)
        if message.get("deleted"):
            effects.pop(effect.id, None)
        else:
            effects[effect.id] = effect
        self._set_effects(list(effects.values()))
        self._heard_while_loading()

    def settings_updated(self, message: Mapping[str, Any]) -> None:
        """`settings.updated`: the account's settings changed (the active kit, say)."""
        settings = message["settings"]
        if not isinstance(settings, Mapping):
            raise TypeError("settings is not an object")
        self._set_me({**(self.me or {}), "settings": dict(settings)})
        self._heard_while_loading()

    def _heard_while_loading(self) -> None:
        # The reload under way may have read before this change or after it: read once
        # more when it is done, so the panel ends on the server's latest.
        if self.loading:
            self.load_again = True

    def load_failed(self) -> None:
        self.loading = self.load_again = False
        self._agent_news.clear()

    def active_kit_saved(self, me: dict[str, Any]) -> None:
        self._set_me(me)

    def _set_me(self, me: dict[str, Any]) -> None:
        self.me = me
        self.active_kit_id = (me.get("settings") or {}).get("activeBrandKitId")

    @property
    def account(self) -> str:
        me = self.me or {}
        return f"{me.get('displayName', '')} <{me.get('email', '')}>"

    def effect_name(self, activation: Mapping[str, Any]) -> str:
        effect = self.effects.get(activation.get("effectId", ""))
        info = (activation.get("render") or {}).get("effect") or {}
        return effect.name if effect else str(info.get("name") or activation.get("effectId"))

    def heard_activation(self, activation: Mapping[str, Any], mine: bool = False) -> FeedEntry:
        """An activation from anywhere: it starts its effect's cooldown here too."""
        effect = self.effects.get(activation.get("effectId", ""))
        if effect is not None:
            self.cooldowns.fired(effect.id, effect.cooldown_ms, activation.get("triggeredAt"))
        self._remember(self.feed_effects, activation["id"], str(activation.get("effectId", "")))
        mine = mine or activation["id"] in self.mine
        said = Outcome("sending…", "busy") if mine else Outcome("fired", "ok")
        # A delivery may be known already (a journalled fire the agent drew while the
        # server was away arrives with it).
        outcome = self.delivery_heard(activation) or self.outcome(activation["id"], said)
        return FeedEntry(
            activation["id"],
            activation.get("triggeredAt"),
            self.effect_name(activation),
            source_label(str(activation.get("source", ""))),
            outcome.text,
            outcome.tone,
        )

    # -- drawing and delivery ----------------------------------------------------------

    def accepted(self, activation: Mapping[str, Any]) -> Outcome:
        """The server took this panel's trigger: who draws it, as the feed says it.

        The trigger's answer names the agent holding the lease at that moment
        (docs/AGENT.md "Lease"): then the agent draws it, and the panel does not.
        """
        activation_id = activation["id"]
        if not goes_to_obs(activation):
            said = OVERLAY_ONLY
        elif activation.get("agent"):
            self.agent_draws.add(activation_id)
            said = AGENT_DRAWS
        else:
            said = SENDING_TO_OBS
        return self.outcome(activation_id, said)

    def outcome(self, activation_id: str, said: Outcome) -> Outcome:
        """What a row says: the recorded delivery once there is one, else `said`
        (the delivery may arrive before the panel's own news of the same activation)."""
        return self.delivered.get(activation_id, said)

    def delivery_heard(self, activation: Mapping[str, Any]) -> Outcome | None:
        """A recorded delivery (`activation.updated`): what the row says now; None while
        it is still pending."""
        outcome = delivery_outcome(activation.get("delivery"))
        if outcome is None:
            return None
        self._remember(self.delivered, activation["id"], outcome)
        return outcome

    @staticmethod
    def _remember(kept: dict[str, Any], key: str, value: Any) -> None:
        """Keep `value` for a row of the feed; as many as the feed has rows."""
        kept[key] = value
        while len(kept) > DELIVERIES_KEPT:
            del kept[next(iter(kept))]

    def left_to_agent(self, activation_id: str) -> bool:
        """Whether this panel fired it and the agent drew it (asked once, at its delivery)."""
        if activation_id in self.agent_draws:
            self.agent_draws.discard(activation_id)
            return True
        return False

    # -- the agent ---------------------------------------------------------------------

    @property
    def agent_drawing(self) -> bool | None:
        """Whether an agent holds a drawing lease; None until the server said."""
        return None if self.agents is None else bool(self.agents)

    @property
    def agent(self) -> AgentHolder | None:
        """The agent that draws this creator's activations (the oldest holding)."""
        return next(iter(self.agents.values()), None) if self.agents else None

    def agent_status(self, event: Mapping[str, Any]) -> None:
        """`agent.status`: the holder of one OBS target's lease changed."""
        self._agent_changed(event)
        if self.loading:
            # The reload under way may have read the holders before this: applied again
            # on top of what it read, the news stays news.
            self._agent_news.append(event)

    def _agents_loaded(self, holders: list[Mapping[str, Any]]) -> None:
        self.agents = {
            str(h["target"]): AgentHolder(str(h["agentId"]), str(h["target"])) for h in holders
        }
        for event in self._agent_news:
            self._agent_changed(event)

    def _agent_changed(self, event: Mapping[str, Any]) -> None:
        target = str(event["target"])
        if self.agents is None:
            self.agents = {}
        if event["state"] == "drawing":
            self.agents.pop(target, None)  # the newest holder goes last
            self.agents[target] = AgentHolder(str(event["agentId"]), target)
        else:
            self.agents.pop(target, None)

    def session_updated(self, data: Mapping[str, Any]) -> bool:
        """Take a session update; False when it was an old session's (ignored)."""
        session = SessionView.from_api(data)
        current = self.live_session
        if current is not None and session.id != current.id and not session.live:
            return False  # an old session's update; the live one is what we show
        self.session = session
        if session.live:
            self.last_platform = session.platform
        return True

    def kit_updated(self, message: Mapping[str, Any]) -> None:
        data = message["brandKit"]
        if message.get("deleted") or data.get("deleted"):
            self.kits.pop(data["id"], None)
            if self.active_kit_id == data["id"]:
                self.active_kit_id = None
        else:
            self.kits[data["id"]] = BrandKit.from_api(data)

    # -- the clock --------------------------------------------------------------------

    def cooldowns_moved(self) -> bool:
        """Whether the tiles need repainting for cooldowns (one more time after the last)."""
        active = self.cooldowns.active()
        moved = active or self._had_cooldowns
        self._had_cooldowns = active
        return moved
