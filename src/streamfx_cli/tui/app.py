"""`streamfx tui`: the live control panel (DESIGN.md section 8).

The app owns the state (session, effects, brand kits, cooldowns) and the three
links to the outside: the HTTP API (through `Backend`, in worker threads), the
server's live events (`LiveEvents`, a WebSocket that reconnects by itself) and
one kept OBS connection (`ObsLink`). Widgets only render what the app hands
them. Nothing that can wait on the network or OBS runs on the event loop, and
every failure ends up as a notification, never a crash.

Dependencies are injected so tests can point the panel at a loopback server
and a real OBS: `client_factory` makes the API client, `obs_factory` opens an
OBS connection, `server_url` is the server (for the WebSocket and the header).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App

from ..config import normalize_server, server_url
from ..errors import APIError, NotLoggedIn, StreamFXError
from .backend import Backend, ClientFactory
from .commands import FireEffectCommands, PanelCommands
from .live_events import LiveEvents, ws_url
from .model import (
    NUMBER_KEYS,
    BrandKit,
    Cooldowns,
    Effect,
    SessionView,
    grid_order,
    source_label,
)
from .obs_link import ObsFactory, ObsLink, ObsState
from .screens import ConfirmScreen, MainScreen, StartSessionScreen
from .widgets import ActivityFeed, BrandKitPanel, EffectGrid, SessionPanel, StatusBar

if TYPE_CHECKING:
    from ..client import Client
    from ..obs import ObsConnection
    from ..obs_settings import ObsSettings

T = TypeVar("T")
TICK_S = 0.2
# Seconds the connect to OBS may take: the same budget as `streamfx fire`.
OBS_CONNECT_TIMEOUT_S = 1.5


def default_client_factory(url: str) -> ClientFactory:
    def make() -> Client:
        from ..client import Client

        return Client(url)

    return make


class DefaultObsFactory:
    """OBS where `streamfx obs config` (or STREAMFX_OBS_URL/PASSWORD) says it is.

    The address and password are read once and kept: while OBS is away the panel
    retries every second, and the password may live in a keyring that should not
    be asked that often. `forget()` (the "reconnect OBS" key, a refused password)
    reads them again, so a password fixed with `streamfx obs config` is picked up.
    """

    def __init__(self) -> None:
        self._settings: ObsSettings | None = None

    def forget(self) -> None:
        self._settings = None

    def __call__(self) -> ObsConnection:
        from ..obs import ObsConnection
        from ..obs_settings import load_settings

        if self._settings is None:
            self._settings = load_settings()
        settings = self._settings
        return ObsConnection(
            settings.host, settings.port, settings.password, timeout=OBS_CONNECT_TIMEOUT_S
        )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, StreamFXError):
        return exc.message
    text = str(exc)
    return text if text else type(exc).__name__


class StreamFXApp(App[None]):
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
    ) -> None:
        super().__init__()
        self.server_url = normalize_server(server_url) if server_url else _default_server()
        self.backend = Backend(client_factory or default_client_factory(self.server_url))
        self.obs = ObsLink(obs_factory or DefaultObsFactory(), self._obs_changed)
        self.events = LiveEvents(
            ws_url(self.server_url),
            self.backend.access_token,
            self.backend.refreshed_token,
            self._on_event,
            self._server_changed,
        )
        self.me: dict[str, Any] | None = None
        self.effects: dict[str, Effect] = {}
        self.order: list[Effect] = []
        self.kits: dict[str, BrandKit] = {}
        self.active_kit_id: str | None = None
        self.session: SessionView | None = None
        self.cooldowns = Cooldowns()
        self.server_status = "connecting"
        self.last_platform = "twitch"
        self._mine: set[str] = set()  # activations fired from this panel
        self._had_cooldowns = False
        self._resyncing = False
        self._resync_again = False
        self.snapshots = 0  # how many times everything was loaded from the server
        self.main = MainScreen()

    def on_mount(self) -> None:
        # Pushed (not the default screen) so that its own TCSS is loaded.
        self.push_screen(self.main)

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> None:
        """Called by the main screen once its widgets exist: start the links."""
        self.status_bar.show_server(self.server_url, "connecting")
        self.status_bar.show_obs(self.obs.state)
        self.run_worker(self.obs.run(), name="obs-link", group="obs", exit_on_error=False)
        self._start_events()
        self.resync()
        self.set_interval(TICK_S, self._tick)

    def _start_events(self) -> None:
        self.run_worker(self.events.run(), name="live-events", group="events", exit_on_error=False)

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.obs.close)
        await asyncio.to_thread(self.backend.close)

    # -- widgets (always those of the main screen, even under a dialog) ---------------

    def _ui_ready(self) -> bool:
        """False while the panel is starting up or shutting down (no widgets to update)."""
        return (
            self.is_running
            and not self._exit
            and self.main.is_attached
            and bool(self.main.query(StatusBar))
        )

    @property
    def status_bar(self) -> StatusBar:
        return self.main.query_one(StatusBar)

    @property
    def session_panel(self) -> SessionPanel:
        return self.main.query_one(SessionPanel)

    @property
    def grid(self) -> EffectGrid:
        return self.main.query_one(EffectGrid)

    @property
    def kit_panel(self) -> BrandKitPanel:
        return self.main.query_one(BrandKitPanel)

    @property
    def feed(self) -> ActivityFeed:
        return self.main.query_one(ActivityFeed)

    # -- running blocking work ----------------------------------------------------

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking call (HTTP, keyring, OBS) in a worker thread."""
        return await asyncio.to_thread(fn, *args)

    def _spawn(self, coro: Awaitable[None], group: str, exclusive: bool = False) -> None:
        self.run_worker(self._guarded(coro), group=group, exclusive=exclusive, exit_on_error=False)

    async def _guarded(self, coro: Awaitable[None]) -> None:
        """Run a worker's coroutine; an error becomes a notification, never a crash."""
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if self._ui_ready():
                self._failed(exc, "StreamFX")

    def _failed(self, exc: BaseException, title: str) -> None:
        """Every failure ends here: a notification, and the header where it matters."""
        if isinstance(exc, NotLoggedIn):
            self._signed_out(exc.message)
            return
        message = _reason(exc)
        hint = getattr(exc, "hint", None)
        if hint:
            message = f"{message}\n{hint}"
        if not isinstance(exc, StreamFXError | OSError):
            message = f"Unexpected {type(exc).__name__}: {message}"
        self.notify(message, title=title, severity="error", markup=False)

    def _signed_out(self, message: str) -> None:
        self.status_bar.show_account("not signed in", ok=False)
        self.notify(
            f"{message}\nSign in with `streamfx login` (or `streamfx up`), then press r.",
            title="Not signed in",
            severity="error",
            timeout=30,
            markup=False,
        )

    # -- loading state ------------------------------------------------------------

    def resync(self) -> None:
        """Reload everything from the server (at start and after every reconnect)."""
        if self._resyncing:
            self._resync_again = True  # the running one goes round once more
            return
        self._resyncing = True
        self._spawn(self._resync(), "resync")

    async def _resync(self) -> None:
        # One at a time, never cancelled half-way through applying what it read.
        try:
            while True:
                self._resync_again = False
                try:
                    snapshot = await self._call(self.backend.snapshot)
                except Exception as exc:
                    self._failed(exc, "Server")
                    return
                await self._apply_snapshot(snapshot)
                if not self._resync_again:
                    return
        finally:
            self._resyncing = False

    async def _apply_snapshot(self, snapshot: dict[str, Any]) -> None:
        if self.server_status == "signed-out":
            # Signed in again (`streamfx login`, then r): listen to the server again.
            self.server_status = "connecting"
            self.status_bar.show_server(self.server_url, "connecting")
            self._start_events()
        self.me = snapshot["me"]
        settings = self.me.get("settings") or {}
        self.active_kit_id = settings.get("activeBrandKitId")
        self.status_bar.show_account(
            f"{self.me.get('displayName', '')} <{self.me.get('email', '')}>"
        )
        self.kits = {k["id"]: BrandKit.from_api(k) for k in snapshot["kits"]}
        self.effects = {e["id"]: Effect.from_api(e) for e in snapshot["effects"]}
        self.order = grid_order(self.effects.values())
        session = snapshot["session"]
        if session is not None:
            self.session = SessionView.from_api(session)
            self.last_platform = self.session.platform
        elif self.session is not None and self.session.live:
            self.session = None  # ended while we were away
        await self.grid.show_effects(self.order)
        self._show_all()
        self.snapshots += 1

    def effective_kit(self) -> BrandKit:
        """The kit firing uses: the live session's own, else the active one, else defaults."""
        session_kit = self.session.brand_kit_id if self.session and self.session.live else None
        for kit_id in (session_kit, self.active_kit_id):
            if kit_id and kit_id in self.kits:
                return self.kits[kit_id]
        return BrandKit.defaults()

    def _show_all(self) -> None:
        kit = self.effective_kit()
        self.status_bar.show_session(self.session)
        self.session_panel.show(self.session, kit)
        session_kit = self.session.brand_kit_id if self.session and self.session.live else None
        self.kit_panel.show(
            kit,
            sorted(self.kits.values(), key=lambda k: k.name.lower()),
            self.active_kit_id,
            session_kit,
        )
        self.grid.refresh_tiles(kit, self.cooldowns.remaining)

    def _tick(self) -> None:
        if not self._ui_ready():
            return
        self.status_bar.show_session(self.session)
        self.session_panel.tick(self.session)
        active = self.cooldowns.active()
        if active or self._had_cooldowns:
            self.grid.refresh_tiles(self.effective_kit(), self.cooldowns.remaining)
        self._had_cooldowns = active

    # -- links --------------------------------------------------------------------

    def _obs_changed(self, state: ObsState) -> None:
        if not self._ui_ready():
            return
        previous = getattr(self, "_obs_status", None)
        self._obs_status = state.status
        self.status_bar.show_obs(state)
        if state.waiting and previous != "down":
            self.notify(
                f"{state.detail}\nThen press o to try again.",
                title="OBS",
                severity="error",
                timeout=20,
                markup=False,
            )
        elif state.status == "connected" and previous in ("reconnecting", "down"):
            self.notify("Connected to OBS again.", title="OBS")
        elif state.status == "reconnecting" and previous == "connected":
            self.notify("Lost OBS; reconnecting…", title="OBS", severity="warning")

    def _server_changed(self, status: str, detail: str) -> None:
        previous, self.server_status = self.server_status, status
        if not self._ui_ready():
            return
        self.status_bar.show_server(self.server_url, status)
        if status == "live":
            if previous == "reconnecting":
                self.notify("Connected to the server again.", title="Server")
            self.resync()  # catch up on whatever happened while we were away
        elif status == "reconnecting" and previous == "live":
            self.notify(f"{detail} Reconnecting…", title="Server", severity="warning", markup=False)
        elif status == "signed-out":
            self._signed_out(detail)

    def reconnect_obs(self) -> None:
        self.obs.retry_now()
        self.notify("Trying OBS again…", title="OBS")

    def _on_event(self, message: dict[str, Any]) -> None:
        if not self._ui_ready():
            return
        kind = message.get("type")
        try:
            if kind == "effect.triggered":
                self._activation(message["activation"])
            elif kind == "session.updated":
                self._session_updated(message["session"])
            elif kind == "brandKit.updated":
                self._kit_updated(message)
        except (KeyError, TypeError, ValueError) as exc:
            self.log.warning(f"ignored a malformed {kind} event: {exc!r}")

    def _activation(self, activation: dict[str, Any], mine: bool = False) -> None:
        render = activation.get("render") or {}
        info = render.get("effect") or {}
        effect = self.effects.get(activation.get("effectId", ""))
        if effect is not None:
            self.cooldowns.fired(effect.id, effect.cooldown_ms, activation.get("triggeredAt"))
        name = effect.name if effect else str(info.get("name") or activation.get("effectId"))
        if self.feed.has(activation["id"]):
            return
        mine = mine or activation["id"] in self._mine
        outcome, tone = ("sending…", "busy") if mine else ("fired", "ok")
        self.feed.add(
            activation["id"],
            activation.get("triggeredAt"),
            name,
            source_label(str(activation.get("source", ""))),
            outcome,
            tone,
        )
        self.grid.refresh_tiles(self.effective_kit(), self.cooldowns.remaining)

    def _session_updated(self, data: dict[str, Any]) -> None:
        session = SessionView.from_api(data)
        current = self.session
        if current is not None and current.live and session.id != current.id and not session.live:
            return  # an old session's update; the live one is what we show
        self.session = session
        if session.live:
            self.last_platform = session.platform
        self._show_all()

    def _kit_updated(self, message: dict[str, Any]) -> None:
        data = message["brandKit"]
        if message.get("deleted") or data.get("deleted"):
            self.kits.pop(data["id"], None)
            if self.active_kit_id == data["id"]:
                self.active_kit_id = None
        else:
            self.kits[data["id"]] = BrandKit.from_api(data)
        self._show_all()

    # -- firing -------------------------------------------------------------------

    def fire_number(self, number: int) -> None:
        if 1 <= number <= min(NUMBER_KEYS, len(self.order)):
            self.fire_effect(self.order[number - 1].id)
        elif not self.order:
            self.notify("The effects have not loaded yet.", title="Effects", severity="warning")
        else:
            self.notify(f"There is no effect number {number}.", title="Effects")

    def fire_effect(self, effect_id: str) -> None:
        """Fire an effect from this panel: server first, then OBS on the kept connection."""
        effect = self.effects.get(effect_id)
        if effect is None:
            self.notify("That effect is gone; reloading.", title="Effects", severity="warning")
            self.resync()
            return
        kit = self.effective_kit()
        if not kit.allows(effect.category):
            self.notify(
                f"The brand kit {kit.name!r} does not allow {effect.category} effects.",
                title=f"{effect.name} not fired",
                severity="warning",
                markup=False,
            )
            return
        left = self.cooldowns.remaining(effect.id)
        if left > 0:
            self.notify(
                f"{effect.name} is cooling down: {left:.1f} s left.",
                title=f"{effect.name} not fired",
                severity="warning",
                markup=False,
            )
            return
        session = self.session
        if session is None or not session.live:
            self.notify(
                "There is no live session: press s to start one.",
                title=f"{effect.name} not fired",
                severity="warning",
                markup=False,
            )
            return
        if session.status == "paused":
            self.notify(
                "The session is paused: press p to resume it.",
                title=f"{effect.name} not fired",
                severity="warning",
                markup=False,
            )
            return
        self._spawn(self._fire(effect, session.id), "fire")

    async def _fire(self, effect: Effect, session_id: str) -> None:
        try:
            activation = await self._call(self.backend.trigger, effect.id, session_id)
        except APIError as exc:
            if exc.code == "cooldown":
                self.cooldowns.hold(effect.id, float(exc.body.get("retryAfterMs") or 0))
                self.grid.refresh_tiles(self.effective_kit(), self.cooldowns.remaining)
            elif exc.code in ("session_paused", "session_ended", "no_live_session"):
                self.resync()
            self.notify(
                exc.message,
                title=f"{effect.name} not fired",
                severity="warning",
                markup=False,
            )
            return
        except Exception as exc:
            self._failed(exc, f"{effect.name} not fired")
            return
        self._mine.add(activation["id"])
        self._activation(activation, mine=True)
        render = activation.get("render") or {}
        if render.get("kind") == "overlay":
            self.feed.set_outcome(activation["id"], "overlay only", "ok")
            return
        self.feed.set_outcome(activation["id"], "sending to OBS…", "busy")
        try:
            await self._call(self.backend.show_in_obs, self.obs, render)
        except Exception as exc:
            self.feed.set_outcome(activation["id"], "not shown in OBS", "bad")
            self._failed_obs(effect, exc)
            return
        self.feed.set_outcome(activation["id"], "shown in OBS", "ok")

    def _failed_obs(self, effect: Effect, exc: BaseException) -> None:
        from ..obs import ObsError

        message = _reason(exc)
        if not isinstance(exc, ObsError | StreamFXError):
            message = f"Unexpected {type(exc).__name__}: {message}"
        self.notify(
            f"Recorded, but not shown in OBS: {message}",
            title=effect.name,
            severity="warning",
            markup=False,
        )

    # -- session controls ---------------------------------------------------------------

    def ask_start_session(self) -> None:
        if self.session is not None and self.session.live:
            self.notify("A session is already live: end it first (e).", title="Session")
            return
        kits = sorted(self.kits.values(), key=lambda k: k.name.lower())
        self.push_screen(
            StartSessionScreen(kits, self.active_kit_id, self.last_platform),
            self._start_chosen,
        )

    def _start_chosen(self, choice: dict | None) -> None:
        if choice is not None:
            self._spawn(self._session_call("start", choice), "session")

    def toggle_pause(self) -> None:
        session = self.session
        if session is None or not session.live:
            self.notify("There is no live session to pause.", title="Session")
            return
        action = "resume" if session.status == "paused" else "pause"
        self._spawn(self._session_call(action, session.id), "session")

    def ask_end_session(self) -> None:
        session = self.session
        if session is None or not session.live:
            self.notify("There is no live session to end.", title="Session")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._spawn(self._session_call("end", session.id), "session")

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

    async def _session_call(self, action: str, arg: Any) -> None:
        try:
            if action == "start":
                data = await self._call(
                    self.backend.start_session, arg["platform"], arg["brandKitId"], arg["title"]
                )
            else:
                data = await self._call(self.backend.session_action, action, arg)
        except APIError as exc:
            self.notify(
                exc.message + (f"\n{exc.hint}" if exc.hint else ""),
                title="Session",
                severity="warning",
                markup=False,
            )
            self.resync()
            return
        except Exception as exc:
            self._failed(exc, "Session")
            return
        self._session_updated(data)
        done = {"start": "started", "pause": "paused", "resume": "resumed", "end": "ended"}
        self.notify(f"Session {done[action]}.", title="Session")

    # -- brand kit ----------------------------------------------------------------

    def switch_kit(self, kit_id: str) -> None:
        if kit_id == self.active_kit_id:
            return
        self._spawn(self._switch_kit(kit_id), "kit", exclusive=True)

    async def _switch_kit(self, kit_id: str) -> None:
        try:
            me = await self._call(self.backend.set_active_kit, kit_id)
        except Exception as exc:
            self._failed(exc, "Brand kit")
            self._show_all()  # put the picker back on the kit really in use
            return
        self.me = me
        self.active_kit_id = (me.get("settings") or {}).get("activeBrandKitId")
        self._show_all()
        kit = self.kits.get(kit_id)
        note = ""
        if self.session and self.session.live and self.session.brand_kit_id:
            note = "\nThis session keeps the kit it was started with."
        self.notify(
            f"Active brand kit: {kit.name if kit else kit_id}.{note}",
            title="Brand kit",
            markup=False,
        )


def _default_server() -> str:
    return server_url()


def run_panel(server: str | None = None, **factories: Any) -> None:
    StreamFXApp(server_url=server, **factories).run()


__all__ = ["DefaultObsFactory", "StreamFXApp", "run_panel"]
