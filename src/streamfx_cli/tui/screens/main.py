"""The one screen a streamer leaves open for the whole stream.

It lays the widgets out, binds the keys to the app's actions (the same names the
command palette runs) and renders what the app's `PanelState` holds; it decides
nothing itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Select

from ..widgets import (
    ActivityFeed,
    AgentStatus,
    BrandKitPanel,
    EffectGrid,
    EffectTile,
    SessionPanel,
    StatusBar,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..app import StreamFXApp
    from ..model import Effect
    from ..state import FeedEntry, ObsState, PanelState

_NUMBERS = [
    Binding(str(n), f"app.fire({n})", "Fire", key_display="1-9", show=n == 1) for n in range(1, 10)
]


class MainScreen(Screen[None]):
    CSS_PATH = "main.tcss"
    AUTO_FOCUS = "EffectTile"  # Enter fires the focused tile; none until they load
    # Laid out for 120 columns and up; narrower (100x30) the left column gives way and
    # the effects stand one to a line, so that every name is whole (main.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        *_NUMBERS,
        Binding("s", "app.start_session", "Start"),
        Binding("p", "app.toggle_pause", "Pause"),
        Binding("e", "app.end_session", "End"),
        Binding("a", "app.replay_selected", "Again"),
        Binding("n", "choose_key", "Key"),
        Binding("k", "pick_kit", "Kit"),
        Binding("o", "app.reconnect_obs", "OBS"),
        Binding("u", "app.open_rules", "Rules"),
        Binding("r", "app.reload", "Reload", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, cached_effects: Sequence[Effect] = ()) -> None:
        super().__init__()
        self._cached_effects = cached_effects
        self._filled = False

    def compose(self) -> ComposeResult:
        # The first frame is the header and the grid; the rest follows at once (`fill`).
        yield StatusBar(id="status-bar")
        with Horizontal(id="body"):
            yield Vertical(id="left")
            with Vertical(id="right"):
                yield EffectGrid(self._cached_effects, id="effect-grid")

    async def fill(self) -> None:
        """The session and brand-kit panels, the activity feed and the key line, once the
        grid is on screen: drawing them all first made the grid wait for them
        (docs/PANEL.md "Opening it"). The app's links start after this."""
        left, right = self.query_one("#left"), self.query_one("#right")
        await left.mount_all([SessionPanel(id="session-panel"), BrandKitPanel(id="kit-panel")])
        await right.mount(ActivityFeed(id="activity-feed"))
        await self.mount(Footer())
        self._filled = True

    def on_mount(self) -> None:
        cast("StreamFXApp", self.app).start()

    def action_pick_kit(self) -> None:
        if not self.ready:
            return
        select = self.query_one("#kit-select", Select)
        if select.disabled:
            self.notify(
                "No brand kits yet: create one with `streamfx brand-kit create --name NAME`.",
                title="Brand kit",
            )
            return
        select.focus()
        select.action_show_overlay()

    def action_choose_key(self) -> None:
        """Set the focused tile's number key (docs/PANEL.md "Keys")."""
        tile = self.focused
        if not isinstance(tile, EffectTile):
            self.notify(
                "Select an effect's tile first (Tab or the arrow keys), then press n.",
                title="Keys",
            )
            return
        cast("StreamFXApp", self.app).choose_key(tile.effect.id)

    # -- the widgets ----------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Whether the widgets are there to update (not while opening or closing)."""
        return self.is_attached and self._filled

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def session_panel(self) -> SessionPanel:
        return self.query_one(SessionPanel)

    @property
    def grid(self) -> EffectGrid:
        return self.query_one(EffectGrid)

    @property
    def kit_panel(self) -> BrandKitPanel:
        return self.query_one(BrandKitPanel)

    @property
    def feed(self) -> ActivityFeed:
        return self.query_one(ActivityFeed)

    # -- rendering the state ------------------------------------------------------------

    def show_account(self, text: str, ok: bool = True) -> None:
        self.status_bar.show_account(text, ok)

    def show_server(self, url: str, status: str) -> None:
        self.status_bar.show_server(url, status)

    def show_obs(self, obs: ObsState) -> None:
        self.status_bar.show_obs(obs)

    def show_agent(self, state: PanelState) -> None:
        others = max(0, len(state.agents or {}) - 1)
        self.query_one(AgentStatus).show(state.agent_drawing, state.agent, others)

    async def show_effects(self, order: Sequence[Effect]) -> None:
        await self.grid.show_effects(order)

    def show_all(self, state: PanelState) -> None:
        """Header, session, brand kit and tiles, after anything but the clock changed."""
        kit = state.effective_kit()
        self.status_bar.show_session(state.session)
        self.session_panel.show(state.session, kit)
        self.kit_panel.show(kit, state.kits_by_name(), state.active_kit_id, state.session_kit_id)
        self.grid.refresh_tiles(kit, state.cooldowns.remaining)

    def tick(self, state: PanelState) -> None:
        """The session clocks, several times a second."""
        self.status_bar.show_session(state.session)
        self.session_panel.tick(state.session)

    def refresh_tiles(self, state: PanelState) -> None:
        self.grid.refresh_tiles(state.effective_kit(), state.cooldowns.remaining)

    def add_activation(self, entry: FeedEntry) -> bool:
        """Add a row to the feed; False when the activation is already there."""
        feed = self.feed
        if feed.has(entry.id):
            return False
        feed.add(
            entry.id, entry.triggered_at, entry.effect, entry.source, entry.outcome, entry.tone
        )
        return True

    def fill_feed(self, entries: Sequence[FeedEntry]) -> None:
        """The history's rows, in time order with those already in the feed."""
        self.feed.fill(entries)

    def selected_activation(self) -> str | None:
        """The feed's selected row (while the feed has the focus)."""
        return self.feed.selected() if self.ready else None

    def set_outcome(self, activation_id: str, outcome: str, tone: str) -> None:
        self.feed.set_outcome(activation_id, outcome, tone)
