"""`streamfx tui`: the live control panel (docs/PANEL.md).

The app is the controller. What the panel knows and the rules for what may fire
live in `PanelState` (tui/state.py, no Textual); every call to the server or OBS
is a worker (tui/workers.py) that reports with a message (tui/messages.py), and
so do the two links, the kept OBS connection (tui/obs_link.py) and the server's
live events (tui/live_events.py). Each `on_*` handler below feeds one message to
the state, has the main screen render the result (tui/screens/main.py) and says
what the streamer should know (tui/notices.py). Keys, buttons and the command
palette (tui/palette.py) all reach the same `action_*` methods by name.

Dependencies are injected so tests can point the panel at a loopback server
and a real OBS: `client_factory` makes the API client, `obs_factory` opens an
OBS connection, `server_url` is the server (for the WebSocket and the header).
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App
from textual.notifications import Notify

from ..config import normalize_server, server_url
from ..delivery_words import Outcome, outcome_of
from ..errors import ExitCode, NotLoggedIn
from ..live_socket import ws_url
from . import notices
from .backend import Backend, ClientFactory, default_client_factory
from .effects_cache import EffectsCache
from .live_events import LiveEvents
from .messages import (
    ActiveKitFailed,
    ActiveKitSaved,
    DeliveryNotRecorded,
    EffectKeySaved,
    HistoryLoaded,
    ObsNotShown,
    ObsShown,
    ObsStateChanged,
    RulesLoaded,
    RuleSwitched,
    ServerEvent,
    ServerStateChanged,
    SessionChanged,
    SessionRefused,
    SnapshotFailed,
    SnapshotLoaded,
    TriggerAccepted,
    TriggerRefused,
    WorkFailed,
)
from .model import Effect
from .notices import Notice
from .obs_link import DefaultObsFactory, ObsFactory, ObsLink
from .palette import FireEffectCommands, PanelCommands
from .screens import (
    FREE_KEY,
    ConfirmScreen,
    KeyChoiceScreen,
    MainScreen,
    RulesScreen,
    StartSessionScreen,
)
from .state import PanelState, Refusal
from .widgets import BrandKitPanel, EffectGrid
from .workers import PanelWorkers

TICK_S = 0.2
# How many of the live session's latest activations fill the feed when the panel opens.
HISTORY_ROWS = 50
Handler = TypeVar("Handler", bound=Callable[..., Any])


def while_open(handler: Handler) -> Handler:
    """Handle a message only while the main screen is up: a report that lands while
    the panel is closing has nothing left to show it on."""

    @functools.wraps(handler)
    def guarded(self: StreamFXApp, message: Any) -> Any:
        return handler(self, message) if self.ui_ready() else None

    return guarded  # type: ignore[return-value]


class StreamFXApp(PanelWorkers):
    """The control panel. Construct with injected factories; `run()` it."""

    TITLE = "StreamFX"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {FireEffectCommands, PanelCommands}
    NOTIFICATION_TIMEOUT = 6

    def __init__(
        self,
        *,
        server_url: str | None = None,
        client_factory: ClientFactory | None = None,
        obs_factory: ObsFactory | None = None,
        leave_when_signed_out: bool = False,
    ) -> None:
        """`leave_when_signed_out`: close (exit code 3) when the first load finds nobody
        signed in, for `streamfx tui`, which did not read the sign-in before opening."""
        super().__init__()
        self.leave_when_signed_out = leave_when_signed_out
        self.server_url = normalize_server(server_url) if server_url else _default_server()
        self.state = PanelState()
        self.backend = Backend(client_factory or default_client_factory(self.server_url))
        self.obs = ObsLink(obs_factory or DefaultObsFactory(), self)
        self.events = LiveEvents(
            ws_url(self.server_url), self.backend.access_token, self.backend.refreshed_token, self
        )
        self.effects_cache = EffectsCache(self.server_url)
        # The grid is in the first frame, from the last start's effects (a local file).
        self.main = MainScreen(self.effects_cache.load())
        self.rules_view: RulesScreen | None = None
        # Notifications on screen that repeat an earlier one: their first words and count.
        self._repeats: dict[str, tuple[str, int]] = {}

    # The grid's effects, read-only (the command palette and tests read these).

    @property
    def order(self) -> list[Effect]:
        return self.state.order

    @property
    def effects(self) -> dict[str, Effect]:
        return self.state.effects

    # -- lifecycle ----------------------------------------------------------------

    def on_mount(self) -> None:
        # Pushed (not the default screen) so that its own TCSS is loaded.
        self.push_screen(self.main)

    def start(self) -> None:
        """Called by the main screen once its widgets exist: the header's first words.
        The rest waits for the first frame (`on_ready`)."""
        self.main.show_server(self.server_url, "connecting")
        self.main.show_obs(self.obs.state)
        self.main.show_agent(self.state)

    def on_ready(self) -> None:
        """The first frame, the header and the grid, is on screen: now the rest of the
        screen, then the links and the first load (their widgets, threads and imports
        would otherwise hold up that frame: docs/PANEL.md "Opening it")."""
        self.main.call_after_refresh(self._open)
        self.main.refresh()

    async def _open(self) -> None:
        await self.main.fill()
        self._connect()

    def _connect(self) -> None:
        self.run_obs_link()
        self.run_live_events()
        self.resync()
        self.set_interval(TICK_S, self._tick)

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.obs.close)
        await asyncio.to_thread(self.backend.close)

    def ui_ready(self) -> bool:
        """False while the panel is starting up or shutting down (no widgets to update)."""
        return self.is_running and not self._exit and self.main.ready

    def _tick(self) -> None:
        if not self.ui_ready():
            return
        self.main.tick(self.state)
        if self.state.cooldowns_moved():
            self.main.refresh_tiles(self.state)

    # -- telling the streamer -------------------------------------------------------

    def tell(self, notice: Notice) -> None:
        self.notify(
            notice.message,
            title=notice.title,
            severity=notice.severity,
            timeout=notice.timeout,
            markup=False,
        )

    def on_notify(self, message: Notify) -> None:
        """The same notification again while it is still up takes its place, counted
        ("(2 times)"), instead of stacking copies (docs/PANEL.md "The screen"). Runs before
        Textual adds the new one, for every notification, whoever raised it."""
        new = message.notification
        live = {n.identity for n in self._notifications}
        self._repeats = {k: v for k, v in self._repeats.items() if k in live}
        for shown in list(self._notifications):
            words, count = self._repeats.get(shown.identity, (shown.message, 1))
            if (shown.title, words, shown.severity) == (new.title, new.message, new.severity):
                self._unnotify(shown, refresh=False)
                self._repeats[new.identity] = (new.message, count + 1)
                new.message = f"{new.message} ({count + 1} times)"
                return

    def _failed(self, exc: BaseException, title: str) -> None:
        """Every failure ends here: a notification, and the header where it matters."""
        if isinstance(exc, NotLoggedIn):
            self._signed_out(exc.message)
        else:
            self.tell(notices.failure(exc, title))

    def _signed_out(self, message: str) -> None:
        if self.leave_when_signed_out and not self.state.snapshots:
            self.exit(return_code=ExitCode.AUTH)
            return
        self.main.show_account("not signed in", ok=False)
        self.tell(notices.signed_out(message))

    @while_open
    def on_work_failed(self, message: WorkFailed) -> None:
        self._failed(message.error, message.title)

    # -- loading everything ---------------------------------------------------------

    def action_reload(self) -> None:
        self.resync()

    def resync(self) -> None:
        """Reload everything from the server (at start and after every reconnect).

        One load at a time, never cancelled half-way through applying what it
        read; asked again meanwhile, it goes round once more when done.
        """
        if self.state.loading:
            self.state.load_again = True
            return
        self.state.loading = True
        self.load_snapshot()

    @while_open
    async def on_snapshot_loaded(self, message: SnapshotLoaded) -> None:
        state = self.state
        if state.server_status == "signed-out":
            # Signed in again (`streamfx login`, then r): listen to the server again.
            state.server_status = "connecting"
            self.main.show_server(self.server_url, "connecting")
            self.run_live_events()
        was_drawing = state.agent_drawing
        try:
            state.apply_snapshot(message.snapshot)
        except (KeyError, TypeError, ValueError) as exc:  # a server this panel does not know
            state.load_failed()
            self._failed(exc, "Server")
            return
        self.main.show_account(state.account)
        await self.main.show_effects(state.order)
        self.main.show_all(state)
        self._agent_shown(was_drawing)
        live = state.live_session
        if live is not None:
            # After the grid is up; again after each reconnect, for what came meanwhile.
            self.load_history(live.id, HISTORY_ROWS)
        if state.load_again:
            state.load_again = False
            self.load_snapshot()
        else:
            state.loading = False

    @while_open
    def on_snapshot_failed(self, message: SnapshotFailed) -> None:
        self.state.load_failed()
        self._failed(message.error, "Server")

    # -- the links ------------------------------------------------------------------

    @while_open
    def on_obs_state_changed(self, message: ObsStateChanged) -> None:
        previous, self.state.obs = self.state.obs, message.state
        self.main.show_obs(message.state)
        notice = notices.obs_changed(previous.status, message.state)
        if notice is not None:
            self.tell(notice)

    @while_open
    def on_server_state_changed(self, message: ServerStateChanged) -> None:
        status = message.status
        previous, self.state.server_status = self.state.server_status, status
        self.main.show_server(self.server_url, status)
        notice = notices.server_changed(previous, status, message.detail)
        if notice is not None:
            self.tell(notice)
        if status == "live":
            self.resync()  # catch up on whatever happened while we were away
        elif status == "signed-out":
            self._signed_out(message.detail)

    def action_reconnect_obs(self) -> None:
        self.obs.retry_now()
        self.tell(Notice("Trying OBS again…", "OBS"))

    @while_open
    async def on_server_event(self, message: ServerEvent) -> None:
        event = message.event
        kind = event.get("type")
        try:
            if kind == "effect.triggered":
                self._activation(event["activation"])
                self._rule_heard(event["activation"])
            elif kind == "activation.updated":
                self._delivery(event["activation"])
                self._rule_heard(event["activation"])
            elif kind == "agent.status":
                was_drawing = self.state.agent_drawing
                self.state.agent_status(event)
                self._agent_shown(was_drawing)
            elif kind == "session.updated":
                self._session_updated(event["session"])
            elif kind == "brandKit.updated":
                self.state.kit_updated(event)
                self.main.show_all(self.state)
            elif kind == "settings.updated":
                # The active kit chosen elsewhere (`streamfx brand-kit use`): firing uses it.
                self.state.settings_updated(event)
                self.main.show_all(self.state)
            elif kind == "effect.updated":
                self.state.effect_updated(event)
                await self._effects_shown()
        except (KeyError, TypeError, ValueError) as exc:
            self.log.warning(f"ignored a malformed {kind} event: {exc!r}")

    async def _effects_shown(self) -> None:
        await self.main.show_effects(self.state.order)
        self.main.show_all(self.state)

    # -- number keys (docs/PANEL.md "Keys") ---------------------------------------------

    def choose_key(self, effect_id: str) -> None:
        """Ask which number key fires `effect_id`, then save it on the server."""
        effect = self.state.effects.get(effect_id)
        if effect is None:
            return
        holders = {e.key: e.name for e in self.state.order if e.key is not None}

        def chosen(number: int | None) -> None:
            if number is None or number == (effect.key or FREE_KEY):
                return
            self.save_effect_key(effect.id, None if number == FREE_KEY else number)

        self.push_screen(KeyChoiceScreen(effect, holders), chosen)

    @while_open
    async def on_effect_key_saved(self, message: EffectKeySaved) -> None:
        # The server pushes the same change (effect.updated); applied here too, the grid
        # follows even while the live connection is down.
        answer = message.answer
        if answer.get("movedFrom"):
            self.state.effect_updated({"effect": answer["movedFrom"]})
        self.state.effect_updated({"effect": answer["effect"]})
        await self._effects_shown()
        self.tell(notices.key_saved(answer))

    # -- the rules view (docs/PANEL.md "Rules") ---------------------------------------

    def rules_open(self) -> bool:
        return self.rules_view is not None and self.screen is self.rules_view

    def action_open_rules(self) -> None:
        if self.rules_open():
            return
        self.rules_view = RulesScreen()
        self.push_screen(self.rules_view)
        self.load_rules()

    def action_load_rules(self) -> None:
        self.load_rules()

    def _rule_heard(self, activation: dict[str, Any]) -> None:
        """A rule fired (or its firing was drawn): its row says so at once."""
        if activation.get("source") == "rule" and self.rules_open():
            self.load_rules()

    def on_rules_loaded(self, message: RulesLoaded) -> None:
        if self.rules_view is not None and self.rules_open():
            self.rules_view.show(message.rules)

    def on_rule_switched(self, message: RuleSwitched) -> None:
        rule = message.rule
        state = "on" if rule.get("enabled") else "off"
        self.tell(Notice(f"Rule {rule.get('name')!r} is {state}.", "Rules"))
        if self.rules_open():
            self.load_rules()

    def _activation(self, activation: dict[str, Any], mine: bool = False) -> None:
        entry = self.state.heard_activation(activation, mine)
        if self.main.add_activation(entry):
            self.main.refresh_tiles(self.state)

    def _delivery(self, activation: dict[str, Any]) -> None:
        """An activation's delivery was recorded: its row says what viewers saw."""
        outcome = self.state.delivery_heard(activation)
        if outcome is None:
            return
        self.main.set_outcome(activation["id"], outcome.text, outcome.tone)
        if self.state.left_to_agent(activation["id"]):
            delivery = activation["delivery"]
            notice = notices.agent_delivery(
                self.state.effect_name(activation), delivery["status"], delivery.get("reason")
            )
            if notice is not None:
                self.tell(notice)

    @while_open
    def on_history_loaded(self, message: HistoryLoaded) -> None:
        """The live session's latest activations: new rows in time order, and what came
        of those already here, as if each had just been heard of."""
        live = self.state.live_session
        if live is None or live.id != message.session_id:
            return  # an answer about a session that is no longer the live one
        entries = [self.state.heard_activation(a) for a in message.activations]
        self.main.fill_feed(entries)
        for activation in message.activations:
            self._delivery(activation)
        self.main.refresh_tiles(self.state)

    def _agent_shown(self, was_drawing: bool | None) -> None:
        """The header follows the agent; a change while the panel is open is said once."""
        self.main.show_agent(self.state)
        notice = notices.agent_changed(was_drawing, self.state.agent_drawing, self.state.agent)
        if notice is not None:
            self.tell(notice)

    def _session_updated(self, data: dict[str, Any]) -> None:
        if self.state.session_updated(data):
            self.main.show_all(self.state)

    # -- firing ---------------------------------------------------------------------

    def action_fire(self, number: int) -> None:
        found = self.state.effect_for_number(number)
        if isinstance(found, Refusal):
            self.tell(found.notice)
        else:
            self.fire_effect(found)

    def on_effect_grid_fire(self, message: EffectGrid.Fire) -> None:
        self.fire_effect(message.effect_id)

    def fire_effect(self, effect_id: str) -> None:
        """Fire an effect from this panel: server first, then OBS on the kept connection."""
        request = self.state.fire_request(effect_id)
        if isinstance(request, Refusal):
            self.tell(request.notice)
            if request.reload:
                self.resync()
            return
        self.trigger_and_show(request.effect, request.session_id)

    def action_replay_selected(self) -> None:
        """Fire the feed's selected row again: the same effect and params, through the
        server (docs/EFFECTS.md "History"), then shown like any fire."""
        activation_id = self.main.selected_activation()
        request = self.state.replay_request(activation_id)
        if isinstance(request, Refusal):
            self.tell(request.notice)
            if request.reload:
                self.resync()
            return
        assert activation_id is not None
        self.replay_and_show(request.effect, activation_id)

    @while_open
    def on_trigger_accepted(self, message: TriggerAccepted) -> None:
        activation = message.activation
        self.state.mine.add(activation["id"])
        self._activation(activation, mine=True)
        # The worker is drawing it now (ObsShown or ObsNotShown follows), or the agent is.
        self._outcome(activation["id"], self.state.accepted(activation))

    @while_open
    def on_trigger_refused(self, message: TriggerRefused) -> None:
        effect, exc = message.effect, message.error
        reload = self.state.refused(effect, exc.code, exc.body)
        self.main.refresh_tiles(self.state)
        if reload:
            self.resync()
        self.tell(notices.not_fired(effect.name, exc.message))

    def _outcome(self, activation_id: str, said: Outcome) -> None:
        outcome = self.state.outcome(activation_id, said)
        self.main.set_outcome(activation_id, outcome.text, outcome.tone)

    @while_open
    def on_obs_shown(self, message: ObsShown) -> None:
        seen = message.seen
        self._outcome(message.activation_id, outcome_of(seen.status, seen.reason))
        if not seen.visible:
            self.tell(notices.hidden_in_obs(message.effect.name, seen.reason, seen.hint))

    @while_open
    def on_obs_not_shown(self, message: ObsNotShown) -> None:
        self._outcome(message.activation_id, outcome_of("failed", notices.reason(message.error)))
        self.tell(notices.not_shown_in_obs(message.effect.name, message.error))

    def on_delivery_not_recorded(self, message: DeliveryNotRecorded) -> None:
        # What OBS did is on screen already; the server's record just lacks it.
        self.log.warning(
            f"the server did not record the delivery of {message.activation_id}: "
            f"{notices.reason(message.error)}"
        )

    # -- session controls -------------------------------------------------------------

    def action_start_session(self) -> None:
        refusal = self.state.may_start_session()
        if refusal is not None:
            self.tell(refusal)
            return
        state = self.state
        self.push_screen(
            StartSessionScreen(state.kits_by_name(), state.active_kit_id, state.last_platform),
            self._start_chosen,
        )

    def _start_chosen(self, choice: dict | None) -> None:
        if choice is not None:
            self.send_session_start(choice["platform"], choice["brandKitId"], choice["title"])

    def action_toggle_pause(self) -> None:
        request = self.state.pause_request()
        if isinstance(request, Notice):
            self.tell(request)
        else:
            self.send_session_action(request.action, request.session_id)

    def action_end_session(self) -> None:
        session = self.state.end_request()
        if isinstance(session, Notice):
            self.tell(session)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.send_session_action("end", session.id)

        self.push_screen(
            ConfirmScreen(
                "End this session?",
                f"{session.platform} · {session.effects_fired} effects fired. "
                "An ended session cannot be resumed.",
                yes="End session",
                no="Keep streaming",
            ),
            answered,
        )

    @while_open
    def on_session_changed(self, message: SessionChanged) -> None:
        self._session_updated(message.session)
        self.tell(notices.session_done(message.action))

    @while_open
    def on_session_refused(self, message: SessionRefused) -> None:
        self.tell(notices.session_refused(message.error.message, message.error.hint))
        self.resync()

    # -- brand kit --------------------------------------------------------------------

    def on_brand_kit_panel_chosen(self, message: BrandKitPanel.Chosen) -> None:
        if message.kit_id != self.state.active_kit_id:
            self.save_active_kit(message.kit_id)

    @while_open
    def on_active_kit_saved(self, message: ActiveKitSaved) -> None:
        self.state.active_kit_saved(message.me)
        self.main.show_all(self.state)
        kit = self.state.kits.get(message.kit_id)
        keeps_its_own = bool(self.state.session_kit_id)
        self.tell(notices.active_kit(kit.name if kit else message.kit_id, keeps_its_own))

    @while_open
    def on_active_kit_failed(self, message: ActiveKitFailed) -> None:
        self._failed(message.error, "Brand kit")
        self.main.show_all(self.state)  # put the picker back on the kit really in use


def _default_server() -> str:
    return server_url()


# How long a thread may hold the GIL while another waits for it (Python's default: 5 ms).
# A fire's worker thread waits on the server, then on OBS, and each time its answer is in
# it needs the GIL back, which the event loop may be holding to paint the feed row the
# server pushed for the same fire: at 5 ms a turn, that doubled key-to-OBS latency
# (docs/BENCHMARKS.md "The control panel").
SWITCH_INTERVAL_S = 0.001


def run_panel(server: str | None = None, **options: Any) -> int | None:
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    app = StreamFXApp(server_url=server, **options)
    app.run()
    return app.return_code


__all__ = ["DefaultObsFactory", "StreamFXApp", "run_panel"]
