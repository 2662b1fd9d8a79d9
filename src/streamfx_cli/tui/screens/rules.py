"""The rules view (`u` on the main screen): each rule with its trigger in words, the
effect it fires, whether it is on, and its last firing or why it last did not fire
(docs/PANEL.md "Rules"). Space switches the selected rule on or off, `r` reads them
again; the app also reads them again whenever a rule fires. Escape goes back.

It renders what the app hands it and asks the app for everything else; it decides
nothing itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.widgets.data_table import RowDoesNotExist

from ...rule_words import NEVER_FIRED, describe_trigger, last_lines

if TYPE_CHECKING:
    from ..app import StreamFXApp

COLUMNS = (
    ("Rule", "name", 22),
    ("Trigger", "trigger", 30),
    ("Effect", "effect", 14),
    ("On", "on", 4),
    ("Last", "last", None),
)


def rule_row(rule: Mapping[str, Any]) -> tuple[str | Text, ...]:
    """One rule as the table's cells."""
    last = last_lines(cast("Any", rule))[0]
    tone = "green" if last.startswith("fired") else ""
    if last == NEVER_FIRED:
        tone = "dim"  # nothing wrong: its moment has not come
    elif last.startswith("not fired "):
        tone = "red"
    return (
        str(rule.get("name", "")),
        describe_trigger(dict(rule.get("trigger") or {})),
        str(rule.get("effectSlug", "")),
        Text("on", style="green") if rule.get("enabled") else Text("off", style="dim"),
        Text(last, style=tone),
    )


class RulesScreen(Screen[None]):
    CSS_PATH = "rules.tcss"
    BINDINGS = [
        Binding("space", "switch", "On/Off"),
        Binding("r", "app.load_rules", "Refresh"),
        Binding("escape,u", "app.pop_screen", "Back"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rules: dict[str, dict[str, Any]] = {}
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="rules-box"):
            table: DataTable[str | Text] = DataTable(
                id="rules-table", cursor_type="row", zebra_stripes=True
            )
            for label, key, width in COLUMNS:
                table.add_column(label, key=key, width=width)
            yield table
            yield Static("Reading your rules…", id="rules-note")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rules-box").border_title = "Rules"
        self.table.focus()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#rules-table", DataTable)

    def show(self, rules: Sequence[Mapping[str, Any]]) -> None:
        """All the rules, oldest first; the cursor stays on the rule it was on."""
        table = self.table
        chosen = self.selected()
        table.clear()
        self._rules = {str(r["id"]): dict(r) for r in rules}
        for rule_id, rule in self._rules.items():
            table.add_row(*rule_row(rule), key=rule_id)
        if chosen is not None and chosen in self._rules:
            table.move_cursor(row=table.get_row_index(chosen))
        self.loaded = True
        note = self.query_one("#rules-note", Static)
        note.update(
            "No rules yet: create one with `streamfx rules create NAME --effect EFFECT --every 10m`."
            if not rules
            else "Space switches the selected rule on or off; r reads them again."
        )

    def rows(self) -> list[list[str]]:
        """The table as text, for tests."""
        table = self.table
        return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]

    def selected(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except RowDoesNotExist:
            return None
        return None if key.value is None else str(key.value)

    def action_switch(self) -> None:
        rule_id = self.selected()
        if rule_id is None:
            return
        rule = self._rules[rule_id]
        cast("StreamFXApp", self.app).switch_rule(rule_id, not rule.get("enabled"))
