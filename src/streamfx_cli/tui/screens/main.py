"""The one screen a streamer leaves open for the whole stream."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Select

from ..widgets import ActivityFeed, BrandKitPanel, EffectGrid, SessionPanel, StatusBar

if TYPE_CHECKING:
    from ..app import StreamFXApp

_NUMBERS = [
    Binding(str(n), f"fire({n})", "Fire", key_display="1-9", show=n == 1) for n in range(1, 10)
]


class MainScreen(Screen[None]):
    CSS_PATH = "main.tcss"
    AUTO_FOCUS = "EffectTile"  # Enter fires the focused tile; none until they load
    BINDINGS = [
        *_NUMBERS,
        Binding("s", "start", "Start"),
        Binding("p", "toggle_pause", "Pause/Resume"),
        Binding("e", "end", "End"),
        Binding("k", "pick_kit", "Kit"),
        Binding("o", "reconnect_obs", "OBS retry"),
        Binding("r", "reload", "Reload", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    @property
    def panel(self) -> StreamFXApp:
        return cast("StreamFXApp", self.app)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status-bar")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield SessionPanel(id="session-panel")
                yield BrandKitPanel(id="kit-panel")
            with Vertical(id="right"):
                yield EffectGrid(id="effect-grid")
                yield ActivityFeed(id="activity-feed")
        yield Footer()

    def on_mount(self) -> None:
        self.panel.start()

    # -- keys -------------------------------------------------------------------

    def action_fire(self, number: int) -> None:
        self.panel.fire_number(number)

    def action_start(self) -> None:
        self.panel.ask_start_session()

    def action_toggle_pause(self) -> None:
        self.panel.toggle_pause()

    def action_end(self) -> None:
        self.panel.ask_end_session()

    def action_pick_kit(self) -> None:
        select = self.query_one("#kit-select", Select)
        if select.disabled:
            self.notify(
                "No brand kits yet: create one with `streamfx brand-kit create --name NAME`.",
                title="Brand kit",
            )
            return
        select.focus()
        select.action_show_overlay()

    def action_reconnect_obs(self) -> None:
        self.panel.reconnect_obs()

    def action_reload(self) -> None:
        self.panel.resync()

    # -- widget messages ----------------------------------------------------------

    def on_effect_grid_fire(self, message: EffectGrid.Fire) -> None:
        self.panel.fire_effect(message.effect_id)

    def on_brand_kit_panel_chosen(self, message: BrandKitPanel.Chosen) -> None:
        self.panel.switch_kit(message.kit_id)
