"""A report as CSV (one row per bucket, for a spreadsheet) and as Markdown (to paste into
notes or a post). Standard library only."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from streamfx_wire.vocabulary import CATEGORIES, DELIVERY_STATUSES

from .timeline import clock, delivered_share, duration, heading, percent, slots, utc

if TYPE_CHECKING:
    from ..api_types import SessionReport

# Every category and status has its column, counted or not, so a script can rely on them.
CSV_COLUMNS = (
    "start",
    "end",
    "total",
    "paused_seconds",
    "delivered_share",
    *(f"category_{c}" for c in CATEGORIES),
    *(f"delivery_{s}" for s in DELIVERY_STATUSES),
)


def to_csv(report: SessionReport) -> str:
    """One row per bucket; times in UTC as the API writes them, shares 0..1 (empty: none)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for slot in slots(report):
        share = slot.delivered_share
        writer.writerow(
            [
                utc(slot.start),
                utc(slot.end),
                slot.total,
                round(slot.paused_seconds, 3),
                "" if share is None else round(share, 4),
                *(slot.by_category.get(c, 0) for c in CATEGORIES),
                *(slot.by_delivery.get(s, 0) for s in DELIVERY_STATUSES),
            ]
        )
    return out.getvalue()


def _table(header: tuple[str, str], counts: dict[str, int]) -> list[str]:
    if not counts:
        return ["None."]
    lines = [f"| {header[0]} | {header[1]} |", "|---|---:|"]
    lines += [f"| {name} | {n} |" for name, n in counts.items()]
    return lines


def _latency(report: SessionReport) -> str:
    latency = report["latencyMs"]
    if latency["p50"] is None:
        return "none delivered with a latency"
    return f"p50 {latency['p50']} ms, p95 {latency['p95']} ms, max {latency['max']} ms"


def to_markdown(report: SessionReport) -> str:
    lines = [
        f"# {heading(report)}",
        "",
        "| | |",
        "|---|---|",
        f"| Session | `{report['sessionId']}` ({report['platform']}, {report['status']}) |",
        f"| Live | {duration(report['liveSeconds'])} |",
        f"| Paused | {duration(report['pausedSeconds'])} |",
        f"| Effects fired | {report['total']} |",
        f"| Delivered | {percent(report['deliveryRate'])} |",
        f"| Latency | {_latency(report)} |",
    ]
    if report["unplacedPausedSeconds"]:
        lines += [
            "",
            f"{duration(report['unplacedPausedSeconds'])} of pauses happened before StreamFX "
            "recorded each pause, so they are counted but not on the timeline.",
        ]
    for title, header, counts in (
        ("By effect", ("effect", "fired"), report["byEffect"]),
        ("By category", ("category", "fired"), report["byCategory"]),
        ("By source", ("source", "fired"), report["bySource"]),
        ("By delivery", ("delivery", "activations"), report["byDelivery"]),
    ):
        lines += ["", f"## {title}", "", *_table(header, counts)]
    minutes = report["bucketSeconds"] // 60
    lines += [
        "",
        f"## Timeline ({minutes}-minute buckets)",
        "",
        "| from | effects | by category | delivered | paused |",
        "|---|---:|---|---:|---:|",
    ]
    for slot in slots(report):
        mix = ", ".join(f"{c} {n}" for c, n in slot.by_category.items()) or "-"
        paused = duration(slot.paused_seconds) if slot.paused_seconds >= 1 else ""
        share = percent(delivered_share(slot.by_delivery))
        lines.append(f"| {clock(slot.start)} | {slot.total} | {mix} | {share} | {paused} |")
    lines += [
        "",
        "Delivered: shown or drawn by an overlay page, out of those meant to be seen "
        "(shown, overlay, hidden, failed, expired). Times are local.",
    ]
    return "\n".join(lines) + "\n"
