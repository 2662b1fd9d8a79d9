"""The brand kit in use: colour swatches in the real colours, fonts, motion, and a
picker to switch the active kit."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Select, Static

from .._css import sibling_css
from ..model import PALETTE_ROLES, BrandKit, motion_dots


def swatches(kit: BrandKit) -> Text:
    text = Text()
    for i, role in enumerate(PALETTE_ROLES):
        colour = kit.palette[role]
        if i:
            text.append("\n")
        text.append("      ", style=f"on {colour}")
        text.append(f" {role:<10} ")
        text.append(colour.upper(), style="bold")
    return text


class BrandKitPanel(Vertical):
    DEFAULT_CSS = sibling_css(__file__)

    class Chosen(Message):
        """The streamer picked another kit as the active one."""

        def __init__(self, kit_id: str) -> None:
            super().__init__()
            self.kit_id = kit_id

    def compose(self) -> ComposeResult:
        self.border_title = "Brand kit"
        yield Static("StreamFX defaults", id="kit-name")
        yield Static(swatches(BrandKit.defaults()), id="kit-swatches")
        yield Static("", id="kit-fonts")
        yield Static("", id="kit-motion")
        yield Static("", id="kit-allowed")
        yield Select[str](
            [], prompt="Switch active kit (k)", id="kit-select", allow_blank=True, compact=True
        )

    def show(
        self,
        kit: BrandKit,
        kits: Sequence[BrandKit],
        active_id: str | None,
        session_kit_id: str | None,
    ) -> None:
        if kit.id is None:
            name = "No brand kit: StreamFX defaults"
        elif session_kit_id and kit.id == session_kit_id and session_kit_id != active_id:
            name = f"{kit.name} (this session's)"
        elif kit.id == active_id:
            name = f"{kit.name} (active)"
        else:
            name = kit.name
        self.query_one("#kit-name", Static).update(Text(name, style="bold"))
        self.query_one("#kit-swatches", Static).update(swatches(kit))
        self.query_one("#kit-fonts", Static).update(
            f"Fonts   {kit.heading_font} / {kit.body_font} · {kit.base_size}px"
        )
        self.query_one("#kit-motion", Static).update(
            f"Motion  {motion_dots(kit.motion)} {kit.motion}/5"
        )
        self.query_one("#kit-allowed", Static).update(f"Allows  {', '.join(kit.allowed)}")
        select = self.query_one("#kit-select", Select)
        options = [(Text(k.name), k.id) for k in kits if k.id is not None]
        with self.prevent(Select.Changed):
            select.set_options(options)
            if active_id in {k.id for k in kits}:
                select.value = active_id
            else:
                select.clear()
        select.disabled = not options

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.post_message(self.Chosen(event.value))
