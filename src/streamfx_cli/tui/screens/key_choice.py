"""Which number key fires an effect (docs/PANEL.md "Keys"): press 1-9 to give the tile
that key (moving it from the effect that has it), 0 to free its key, Esc to leave it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..model import NUMBER_KEYS, Effect

# What the screen answers: a key 1-9, FREE_KEY to free the effect's key, None to cancel.
FREE_KEY = 0


class KeyChoiceScreen(ModalScreen[int | None]):
    CSS_PATH = "key_choice.tcss"
    BINDINGS = [
        *(Binding(str(n), f"choose({n})", show=False) for n in range(FREE_KEY, NUMBER_KEYS + 1)),
        Binding("escape", "dismiss(None)", "Cancel", show=False),
    ]

    def __init__(self, effect: Effect, holders: dict[int, str]) -> None:
        super().__init__()
        self.effect = effect
        self.holders = holders  # key -> the name of the effect holding it

    def compose(self) -> ComposeResult:
        now = f"key {self.effect.key}" if self.effect.key else "no key"
        taken = ", ".join(f"{n} {name}" for n, name in sorted(self.holders.items()))
        with Vertical(id="key-box"):
            yield Static(f"Key for {self.effect.name} (now {now})", id="key-question")
            yield Static(
                "Press 1-9 to give it that key (a key another effect has moves here), "
                "0 to free its key, Esc to leave it.",
                id="key-detail",
            )
            yield Static(f"Taken: {taken or 'none'}", id="key-taken")

    def action_choose(self, number: int) -> None:
        self.dismiss(number)
