"""Start a session: pick the platform and the brand kit, optionally a title."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from streamfx_wire.vocabulary import PLATFORMS

from ..model import BrandKit

# The kit picker's value for "no kit of its own: use the active kit when firing".
ACTIVE_KIT = "__active__"


class StartSessionScreen(ModalScreen[dict | None]):
    """Dismisses with {"platform", "brandKitId" (None: the active kit), "title"} or None."""

    CSS_PATH = "start_session.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(
        self, kits: Sequence[BrandKit], active_id: str | None, platform: str = "twitch"
    ) -> None:
        super().__init__()
        self.kits = [k for k in kits if k.id is not None]
        self.active_id = active_id
        self.platform = platform if platform in PLATFORMS else PLATFORMS[0]

    def compose(self) -> ComposeResult:
        active = next((k for k in self.kits if k.id == self.active_id), None)
        kit_options = [
            (Text(f"Active kit ({active.name})" if active else "Active kit (defaults)"), ACTIVE_KIT)
        ] + [(Text(k.name), k.id) for k in self.kits if k.id is not None]
        with Vertical(id="start-box"):
            yield Label("Start a session", id="start-heading")
            yield Label("Platform")
            yield Select[str](
                [(p, p) for p in PLATFORMS],
                value=self.platform,
                allow_blank=False,
                id="start-platform",
            )
            yield Label("Brand kit")
            yield Select[str](kit_options, value=ACTIVE_KIT, allow_blank=False, id="start-kit")
            yield Label("Title (optional)")
            yield Input(placeholder="Friday night stream", id="start-title", max_length=140)
            with Horizontal(id="start-buttons"):
                yield Button("Cancel", id="start-cancel")
                yield Button("Start session", id="start-go", variant="success")

    def on_mount(self) -> None:
        self.query_one("#start-platform", Select).focus()

    def _result(self) -> dict:
        kit = self.query_one("#start-kit", Select).value
        title = self.query_one("#start-title", Input).value.strip()
        return {
            "platform": str(self.query_one("#start-platform", Select).value),
            "brandKitId": None if kit == ACTIVE_KIT or not isinstance(kit, str) else kit,
            "title": title or None,
        }

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self._result() if event.button.id == "start-go" else None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self._result())

    def action_cancel(self) -> None:
        self.dismiss(None)
