"""The report's views without a server: colours from the kit, bars in proportion, quiet
stretches folded, pauses placed in their buckets (docs/REPORTS.md)."""

from __future__ import annotations

import re

from rich.console import Console

from streamfx_cli.reports import terminal
from streamfx_cli.reports.palette import category_colors
from streamfx_cli.reports.picture import DELIVERED, HALF, MISSED, share_color
from streamfx_cli.reports.timeline import duration, slots
from tests.support.scripted_session import KIT_COLORS, expected


def _report(buckets: list[dict], **fields) -> dict:
    base = expected("ss_x")
    return {**base, "buckets": buckets, **fields}


def _bucket(minute: int, by_category: dict[str, int]) -> dict:
    return {
        "start": f"2026-03-14T{19 + minute // 60:02d}:{minute % 60:02d}:00.000Z",
        "total": sum(by_category.values()),
        "byCategory": by_category,
        "byDelivery": {"shown": sum(by_category.values())} if by_category else {},
    }


def test_the_kits_strong_colours_go_to_the_most_fired_categories():
    colors = category_colors(["alert", "text", "celebration", "ambient"], KIT_COLORS)
    assert [colors[c] for c in ("alert", "text", "celebration")] == [
        KIT_COLORS["primary"],
        KIT_COLORS["secondary"],
        KIT_COLORS["accent"],
    ]
    assert colors["ambient"] not in KIT_COLORS.values(), "a blend, not a repeat"


def test_the_delivery_strip_runs_from_red_through_amber_to_green():
    assert (share_color(0), share_color(0.5), share_color(1)) == (MISSED, HALF, DELIVERED)


def test_durations_read_as_people_say_them():
    assert [duration(s) for s in (35, 600, 2520, 3900)] == [
        "35 s",
        "10 min",
        "42 min",
        "1 h 05 min",
    ]


def test_pauses_are_placed_in_the_buckets_they_fall_in():
    report = expected("ss_x")
    assert [s.paused_seconds for s in slots(report)] == [0, 0, 600, 0, 180, 0]
    # A pause still going counts up to `until`.
    live = {**report, "pausedSpans": [{"start": "2026-03-14T19:50:00.000Z", "end": None}]}
    assert slots(live)[-1].paused_seconds == 300


def test_bars_are_in_proportion_and_quiet_stretches_fold_into_one_line():
    buckets = [_bucket(0, {"alert": 6, "text": 2})]
    buckets += [_bucket(m, {}) for m in range(10, 60, 10)]  # five empty buckets
    buckets += [_bucket(60, {"text": 2}), _bucket(70, {})]
    report = _report(
        buckets,
        pausedSpans=[],
        endTime="2026-03-14T20:20:00.000Z",
        until="2026-03-14T20:20:00.000Z",
        byCategory={"alert": 6, "text": 4},
    )
    console = Console(record=True, width=100, color_system=None, force_terminal=False)
    terminal.show(report, console)
    out = console.export_text()
    bars = dict(re.findall(r"^(\d\d:\d\d) +(█+)", out, re.MULTILINE))
    assert len(bars["19:00"]) == 4 * len(bars["20:00"]) > 0
    assert re.search(r"^19:10-20:00 +nothing fired", out, re.MULTILINE)
    assert re.search(r"^20:10 +0 +-", out, re.MULTILINE), "one empty bucket stays a row"
