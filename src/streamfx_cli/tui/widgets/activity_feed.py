"""Every activation, from anywhere (this panel, the CLI, a hotkey, the API), as it
happens: when, which effect, from where, and what came of it (its delivery: shown,
hidden, failed, expired, skipped or on the overlay pages, with the reason).

The outcome column is as wide as its longest words and the table does not scroll
sideways: a long reason is cut at the panel's edge (the notification, where there is
one, says it whole)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from .._css import sibling_css
from ..model import parse_time

MAX_ROWS = 500
COLUMNS = (
    ("Time", "time", 8),
    ("Effect", "effect", 20),
    ("Source", "source", 10),
    ("Outcome", "outcome", None),
)
OUTCOME_STYLES = {"ok": "green", "warn": "dark_orange", "bad": "red", "busy": "yellow", "info": ""}


def clock_time(stamp: str | None) -> str:
    at = parse_time(stamp)
    moment = datetime.fromtimestamp(at) if at is not None else datetime.now()
    return moment.strftime("%H:%M:%S")


class ActivityFeed(Vertical):
    DEFAULT_CSS = sibling_css(__file__)

    def compose(self) -> ComposeResult:
        self.border_title = "Activity"
        table: DataTable[str | Text] = DataTable(
            id="feed-table", cursor_type="row", zebra_stripes=True, show_cursor=False
        )
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#feed-table", DataTable)

    def has(self, key: str) -> bool:
        try:
            self.table.get_row(key)
        except RowDoesNotExist:
            return False
        return True

    def add(
        self,
        key: str,
        stamp: str | None,
        effect: str,
        source: str,
        outcome: str,
        tone: str = "info",
    ) -> None:
        """Add a row (newest at the bottom), or update the outcome if it is there."""
        if self.has(key):
            self.set_outcome(key, outcome, tone)
            return
        table = self.table
        table.add_row(
            clock_time(stamp),
            Text(effect),
            Text(source),
            Text(outcome, style=OUTCOME_STYLES.get(tone, "")),
            key=key,
        )
        while table.row_count > MAX_ROWS:
            table.remove_row(next(iter(table.rows)))
        table.scroll_end(animate=False)

    def set_outcome(self, key: str, outcome: str, tone: str = "info") -> None:
        if self.has(key):
            self.table.update_cell(
                key,
                "outcome",
                Text(outcome, style=OUTCOME_STYLES.get(tone, "")),
                update_width=True,
            )

    def rows(self) -> list[list[str]]:
        """The feed as plain text, oldest first (for tests and screen readers)."""
        table = self.table
        return [
            [str(cell) if not isinstance(cell, Text) else cell.plain for cell in table.get_row(k)]
            for k in table.rows
        ]
