"""A report in the terminal: the totals and counts as Rich tables, and the timeline as a
bar per bucket, coloured by category in the session's brand kit colours."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.columns import Columns
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .palette import category_colors
from .timeline import Slot, categories, clock, duration, heading, percent, slots

if TYPE_CHECKING:
    from ..api_types import SessionReport

BLOCK = "█"
# Three or more buckets in a row with nothing fired and no pause become one line.
QUIET_RUN = 3


def _summary(report: SessionReport) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column()
    latency = report["latencyMs"]
    table.add_row("Session", f"{report['sessionId']} ({report['platform']}, {report['status']})")
    table.add_row("Live", duration(report["liveSeconds"]))
    paused = duration(report["pausedSeconds"])
    if report["unplacedPausedSeconds"]:
        paused += f" ({duration(report['unplacedPausedSeconds'])} from before pauses were recorded)"
    table.add_row("Paused", paused)
    table.add_row("Effects fired", str(report["total"]))
    table.add_row("Delivered", percent(report["deliveryRate"]))
    table.add_row(
        "Latency",
        "-"
        if latency["p50"] is None
        else f"p50 {latency['p50']} ms · p95 {latency['p95']} ms · max {latency['max']} ms",
    )
    return table


def _counts(title: str, counts: dict[str, int], colors: dict[str, str] | None = None) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", show_header=False)
    table.add_column()
    table.add_column(justify="right")
    for name, n in counts.items():
        label = Text(name)
        if colors and name in colors:
            label = Text.assemble(("■ ", colors[name]), name)
        table.add_row(label, str(n))
    if not counts:
        table.add_row(Text("none", style="dim"), "")
    return table


def _segments(slot: Slot, order: list[str], width: int, biggest: int) -> list[tuple[str, int]]:
    """(category, cells) for the slot's bar: `width` cells for the biggest bucket, each
    category its share (largest remainders), at least one cell for any category fired."""
    cells = max(1, round(slot.total / biggest * width)) if slot.total else 0
    fired = [c for c in order if slot.by_category.get(c)]
    exact = {c: slot.by_category[c] / slot.total * cells for c in fired}
    given = {c: max(1, int(exact[c])) for c in fired}
    for c in sorted(fired, key=lambda c: exact[c] - int(exact[c]), reverse=True):
        if sum(given.values()) >= cells:
            break
        given[c] += 1
    return [(c, given[c]) for c in fired]


def _bar(slot: Slot, order: list[str], colors: dict[str, str], width: int, biggest: int) -> Text:
    line = Text()
    for category, cells in _segments(slot, order, width, biggest):
        line.append(BLOCK * cells, style=colors[category])
    return line


def _timeline(report: SessionReport, colors: dict[str, str], width: int) -> Table:
    minutes = report["bucketSeconds"] // 60
    table = Table(
        title=f"Timeline ({minutes}-minute buckets)",
        title_justify="left",
        title_style="bold",
        box=None,
        padding=(0, 1, 0, 0),
    )
    table.add_column("from", style="dim")
    table.add_column("effects", no_wrap=True)
    table.add_column("", justify="right")
    table.add_column("delivered", justify="right")
    table.add_column("paused", style="dim")
    order = categories(report)
    all_slots = slots(report)
    biggest = max((s.total for s in all_slots), default=0) or 1
    quiet: list[Slot] = []

    def flush() -> None:
        if len(quiet) >= QUIET_RUN:
            table.add_row(
                f"{clock(quiet[0].start)}-{clock(quiet[-1].end)}",
                Text("nothing fired", style="dim"),
                "",
                "",
                "",
            )
        else:
            for slot in quiet:
                table.add_row(clock(slot.start), "", "0", "-", "")
        quiet.clear()

    for slot in all_slots:
        if slot.total == 0 and slot.paused_seconds < 1:
            quiet.append(slot)
            continue
        flush()
        paused = duration(slot.paused_seconds) if slot.paused_seconds >= 1 else ""
        table.add_row(
            clock(slot.start),
            _bar(slot, order, colors, width, biggest),
            str(slot.total),
            percent(slot.delivered_share),
            paused,
        )
    flush()
    return table


def _legend(order: list[str], colors: dict[str, str]) -> Text:
    legend = Text()
    for category in order:
        legend.append("■ ", style=colors[category])
        legend.append(f"{category}  ")
    return legend


def show(report: SessionReport, console: Console | None = None) -> None:
    console = console or Console()
    order = categories(report)
    colors = category_colors(order, report["colors"])
    console.print(Text(heading(report), style="bold"))
    console.print(_summary(report))
    console.print()
    console.print(
        Columns(
            [
                _counts("By effect", report["byEffect"]),
                _counts("By category", report["byCategory"], colors),
                _counts("By source", report["bySource"]),
                _counts("By delivery", report["byDelivery"]),
            ]
        )
    )
    console.print()
    width = max(10, min(40, console.width - 40))
    console.print(Group(_timeline(report, colors, width), _legend(order, colors)))
