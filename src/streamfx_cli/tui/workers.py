"""The panel's I/O: every call to the server or OBS runs in a Textual worker and reports
back with a message (tui/messages.py). Nothing here reads the panel's state or
touches the screen; the app decides what each report means (tui/app.py).

Blocking calls (the HTTP client, the keyring, the OBS connection) run in worker
threads, so a frozen server or OBS never holds up a key. The two links, the kept
OBS connection and the server's live events, are async workers on the event loop
that run their own blocking steps in threads and post their own messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.worker import get_current_worker

from ..errors import APIError
from .messages import (
    ActiveKitFailed,
    ActiveKitSaved,
    DeliveryNotRecorded,
    EffectKeySaved,
    HistoryLoaded,
    ObsNotShown,
    ObsShown,
    RulesLoaded,
    RuleSwitched,
    SessionChanged,
    SessionRefused,
    SnapshotFailed,
    SnapshotLoaded,
    TriggerAccepted,
    TriggerRefused,
    WorkFailed,
)
from .notices import reason
from .state import goes_to_obs

if TYPE_CHECKING:
    from ..api_types import SessionAction
    from .backend import Backend
    from .effects_cache import EffectsCache
    from .live_events import LiveEvents
    from .model import Effect
    from .obs_link import ObsLink


class PanelWorkers(App[None]):
    """The app's workers; `StreamFXApp` provides the backend and the two links."""

    backend: Backend
    effects_cache: EffectsCache
    obs: ObsLink
    events: LiveEvents

    # -- the two links (run for as long as the panel does) ----------------------------

    @work(name="obs-link", group="obs", exit_on_error=False)
    async def run_obs_link(self) -> None:
        await self.obs.run()

    @work(name="live-events", group="events", exit_on_error=False)
    async def run_live_events(self) -> None:
        await self.events.run()

    # -- the API -----------------------------------------------------------------------

    @work(thread=True, group="resync", exit_on_error=False)
    def load_snapshot(self) -> None:
        try:
            snapshot = self.backend.snapshot()
        except Exception as exc:
            self.post_message(SnapshotFailed(exc))
            return
        self.post_message(SnapshotLoaded(snapshot))
        self.effects_cache.save(snapshot["effects"])  # the next start's first frame

    @work(thread=True, group="history", exclusive=True, exit_on_error=False)
    def load_history(self, session_id: str, count: int) -> None:
        """The live session's latest activations for the feed, after the grid is up (the
        snapshot comes first and is never held up by this)."""
        try:
            activations = self.backend.history(session_id, count)
        except Exception as exc:
            self.post_message(WorkFailed(exc, "Activity history"))
            return
        self.post_message(HistoryLoaded(session_id, activations))

    @work(thread=True, group="rules", exclusive=True, exit_on_error=False)
    def load_rules(self) -> None:
        """The rules for the rules view; a newer load cancels an older one's answer."""
        worker = get_current_worker()
        try:
            rules = self.backend.rules()
        except Exception as exc:
            if not worker.is_cancelled:
                self.post_message(WorkFailed(exc, "Rules"))
            return
        if not worker.is_cancelled:
            self.post_message(RulesLoaded([dict(r) for r in rules]))

    @work(thread=True, group="rule-switch", exit_on_error=False)
    def switch_rule(self, rule_id: str, enabled: bool) -> None:
        try:
            rule = self.backend.switch_rule(rule_id, enabled)
        except Exception as exc:
            self.post_message(WorkFailed(exc, "Rule not switched"))
            return
        self.post_message(RuleSwitched(dict(rule)))

    @work(thread=True, group="fire", exit_on_error=False)
    def trigger_and_show(self, effect: Effect, session_id: str) -> None:
        """Trigger `effect` on the server, then show it in OBS from the same thread,
        unless an agent holds the drawing lease (docs/AGENT.md "Lease"): the trigger's
        answer names it, and it draws the activation, so the panel must not.

        The draw starts the moment the server answers, with no trip through the
        event loop in between: that trip would wait behind whatever the app is
        handling (the same activation's live events, a repaint), and key-to-OBS
        latency is what a streamer feels (docs/BENCHMARKS.md). What viewers saw is
        reported as the activation's delivery afterwards, as `streamfx fire` does.
        """
        self._record_and_draw(effect, lambda: self.backend.trigger(effect.id, session_id))

    @work(thread=True, group="fire", exit_on_error=False)
    def replay_and_show(self, effect: Effect, activation_id: str) -> None:
        """Fire an earlier activation again (`POST /api/activations/{id}/replay`), then
        exactly as a fire: the new activation's row, OBS, the delivery."""
        self._record_and_draw(effect, lambda: self.backend.replay(activation_id))

    def _record_and_draw(self, effect: Effect, record: Callable[[], dict[str, Any]]) -> None:
        try:
            activation = record()
        except APIError as exc:
            self.post_message(TriggerRefused(effect, exc))
            return
        except Exception as exc:
            self.post_message(WorkFailed(exc, f"{effect.name} not fired"))
            return
        self.post_message(TriggerAccepted(effect, activation))
        if not goes_to_obs(activation) or activation.get("agent"):
            return
        activation_id = activation["id"]
        try:
            seen = self.backend.show_in_obs(self.obs, activation.get("render") or {})
        except Exception as exc:
            self.post_message(ObsNotShown(activation_id, effect, exc))
            self._report_delivery(activation_id, "failed", reason(exc))
            return
        self.post_message(ObsShown(activation_id, effect, seen.visibility))
        visibility = seen.visibility
        self._report_delivery(activation_id, visibility.status, visibility.reason, seen.drawn_at)

    def _report_delivery(
        self, activation_id: str, status: str, why: str | None = None, drawn_at: str | None = None
    ) -> None:
        """Record the delivery; a report the server does not take changes nothing shown
        (the feed already says what OBS did), so it is only logged."""
        try:
            self.backend.report_delivery(activation_id, status, why, drawn_at)
        except Exception as exc:
            self.post_message(DeliveryNotRecorded(activation_id, exc))

    @work(thread=True, group="session", exit_on_error=False)
    def send_session_start(
        self, platform: str, brand_kit_id: str | None, title: str | None
    ) -> None:
        self._session_call(
            "start", lambda: self.backend.start_session(platform, brand_kit_id, title)
        )

    @work(thread=True, group="session", exit_on_error=False)
    def send_session_action(self, action: SessionAction, session_id: str) -> None:
        self._session_call(action, lambda: self.backend.session_action(action, session_id))

    def _session_call(self, action: str, call: Callable[[], dict[str, Any]]) -> None:
        try:
            session = call()
        except APIError as exc:
            self.post_message(SessionRefused(exc))
            return
        except Exception as exc:
            self.post_message(WorkFailed(exc, "Session"))
            return
        self.post_message(SessionChanged(action, session))

    @work(thread=True, group="keys", exit_on_error=False)
    def save_effect_key(self, effect_id: str, key: int | None) -> None:
        try:
            answer = self.backend.set_effect_key(effect_id, key)
        except Exception as exc:
            self.post_message(WorkFailed(exc, "Keys"))
            return
        self.post_message(EffectKeySaved(answer))

    @work(thread=True, group="kit", exclusive=True, exit_on_error=False)
    def save_active_kit(self, kit_id: str) -> None:
        # A newer choice cancels this one: its answer, whatever it is, is old news.
        worker = get_current_worker()
        try:
            me = self.backend.set_active_kit(kit_id)
        except Exception as exc:
            if not worker.is_cancelled:
                self.post_message(ActiveKitFailed(exc))
            return
        if not worker.is_cancelled:
            self.post_message(ActiveKitSaved(kit_id, me))
