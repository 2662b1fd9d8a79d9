"""Every effect the creator may fire, grouped by category; 1-9 and Enter fire.

A tile is greyed out while its effect cools down, with the seconds left on
it, or when the brand kit in use does not allow its category. Greyed tiles
stay focusable (a tile that fired keeps the focus through its cooldown, so
Enter means the same effect throughout); pressing one says why it cannot fire.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Label, Static

from .._css import sibling_css
from ..model import BrandKit, Effect, TileState, grouped, tile_state


class EffectTile(Button):
    """One effect. Pressing it (click, Enter, or its number key) asks to fire it."""

    def __init__(self, effect: Effect, number: int | None) -> None:
        super().__init__(
            self._label(effect, number, TileState(True, "")), classes="effect-tile", compact=True
        )
        self.effect = effect
        self.number = number
        self.state = TileState(True, "")
        self.tooltip = f"{effect.slug} · {effect.kind} · {effect.category}"

    @staticmethod
    def _label(effect: Effect, number: int | None, state: TileState) -> Content:
        key = f"{number} " if number else ""
        note = f" · {state.note}" if state.note else ""
        return Content(f"{key}{effect.name}{note}")

    @property
    def greyed(self) -> bool:
        return not self.state.ready

    def show(self, state: TileState) -> None:
        if state == self.state:
            return
        self.state = state
        self.label = self._label(self.effect, self.number, state)
        self.set_class(state.note == "not in kit", "not-allowed")
        self.set_class(not state.ready and state.note != "not in kit", "cooling")


class EffectGrid(VerticalScroll):
    DEFAULT_CSS = sibling_css(__file__)

    class Fire(Message):
        def __init__(self, effect_id: str) -> None:
            super().__init__()
            self.effect_id = effect_id

    def __init__(self, cached: Sequence[Effect] = (), **kwargs: object) -> None:
        """`cached`: the effects of the last start (tui/effects_cache.py), drawn greyed in
        the first frame until the server's own replace them (`show_effects`)."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._cached = tuple(cached)
        self._shown: tuple[Effect, ...] | None = self._cached or None
        self.set_class(bool(self._cached), "cached")

    def compose(self) -> ComposeResult:
        self.border_title = "Effects"
        self.border_subtitle = "1-9 or Enter: fire · n: set key · ctrl+p: fire by name"
        if self._cached:
            yield from self._rows(self._cached)
        else:
            yield Static("Loading effects…", classes="grid-note")

    @staticmethod
    def _rows(order: Sequence[Effect]) -> list[Widget]:
        rows: list[Widget] = []
        for category, effects in grouped(order):
            tiles = [EffectTile(effect, effect.key) for effect in effects]
            rows.append(
                Horizontal(
                    Label(category.upper(), classes="category-name"),
                    Horizontal(*tiles, classes="category-tiles"),
                    classes="category-row",
                )
            )
        if not rows:
            rows.append(Static("No effects yet.", classes="grid-note"))
        return rows

    async def show_effects(self, order: Sequence[Effect]) -> None:
        """The server's effects (order: grid order); the tiles are rebuilt only if they
        differ from those shown."""
        self.remove_class("cached")
        key = tuple(order)
        if key == self._shown:
            return
        self._shown = key
        rows = self._rows(order)
        had_focus = isinstance(self.screen.focused, EffectTile)
        async with self.batch():
            await self.remove_children()
            await self.mount_all(rows)
        # Enter fires the focused tile: start on the first one (once it is laid out).
        if had_focus or self.screen.focused is None:
            self.call_after_refresh(self._focus_first, had_focus)

    def _focus_first(self, force: bool) -> None:
        first = next(iter(self.query(EffectTile)), None)
        if first is not None and (force or self.screen.focused is None):
            first.focus()

    def refresh_tiles(self, kit: BrandKit, cooldown_left: Callable[[str], float]) -> None:
        for tile in self.query(EffectTile):
            tile.show(tile_state(tile.effect, kit, cooldown_left(tile.effect.id)))

    def tile(self, effect_id: str) -> EffectTile | None:
        for tile in self.query(EffectTile):
            if tile.effect.id == effect_id:
                return tile
        return None

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if isinstance(event.button, EffectTile):
            event.stop()
            self.post_message(self.Fire(event.button.effect.id))
