"""Every activation, from anywhere (this panel, the CLI, a hotkey, the API), as it
happens: when, which effect, from where, and what came of it (its delivery: shown,
hidden, failed, expired, skipped or on the overlay pages, with the reason). When the
panel opens, the live session's latest activations are filled in before them (`fill`),
in time order with any that arrived meanwhile.

The row cursor shows only while the feed has the focus (it starts on the newest row):
the row it is on is the one `a` fires again (`selected`).

The outcome column is as wide as its longest words and the table does not scroll
sideways: a long reason is cut at the panel's edge (the notification, where there is
one, says it whole)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import DescendantBlur, DescendantFocus
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from .._css import sibling_css
from ..model import parse_time

if TYPE_CHECKING:
    from ..state import FeedEntry

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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._stamps: dict[str, str] = {}  # when each row's activation was triggered

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
        self._stamps[key] = stamp or ""
        self.table.add_row(*_cells(stamp, effect, source, outcome, tone), key=key)
        self._trim()
        self.table.scroll_end(animate=False)

    def fill(self, entries: Sequence[FeedEntry]) -> None:
        """Rows from the history: those not here yet join the others in time order
        (the ones here keep what they say; the app updates their outcome)."""
        new = [e for e in entries if not self.has(e.id)]
        if not new:
            return
        table = self.table
        rows = [
            (self._stamps.get(str(k.value), ""), str(k.value), table.get_row(k)) for k in table.rows
        ]
        for e in new:
            self._stamps[e.id] = e.triggered_at or ""
            cells = _cells(e.triggered_at, e.effect, e.source, e.outcome, e.tone)
            rows.append((e.triggered_at or "", e.id, cells))
        # Stamps are ISO 8601 in UTC, one width (the server's iso()): their text sorts in time.
        rows.sort(key=lambda row: row[0])
        selected = self.selected()
        table.clear()
        for _, key, cells in rows:
            table.add_row(*cells, key=key)
        self._trim()
        if selected is not None and self.has(selected):
            table.move_cursor(row=table.get_row_index(selected), animate=False)
        else:
            table.scroll_end(animate=False)

    def _trim(self) -> None:
        table = self.table
        while table.row_count > MAX_ROWS:
            oldest = next(iter(table.rows))
            self._stamps.pop(str(oldest.value), None)
            table.remove_row(oldest)

    def selected(self) -> str | None:
        """The activation of the row under the cursor, while the feed has the focus."""
        table = self.table
        if not table.has_focus or not table.show_cursor or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return None if key.value is None else str(key.value)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        table = self.table
        table.show_cursor = True
        if table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        self.table.show_cursor = False

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


def _cells(
    stamp: str | None, effect: str, source: str, outcome: str, tone: str
) -> list[str | Text]:
    return [
        clock_time(stamp),
        Text(effect),
        Text(source),
        Text(outcome, style=OUTCOME_STYLES.get(tone, "")),
    ]
