"""The report's timeline as the views read it: each bucket with its end, its paused time
and its delivered share, in the reader's local time. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from streamfx_wire.vocabulary import CATEGORIES, DELIVERED_STATUSES, MISSED_STATUSES

if TYPE_CHECKING:
    from ..api_types import SessionReport


def parse(stamp: str) -> datetime:
    """An API time (UTC, `Z`) in this computer's time zone."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()


def utc(moment: datetime) -> str:
    """A time as the API writes it (UTC, milliseconds, `Z`)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Slot:
    """One bucket: [start, end), the last one cut at the report's `until`."""

    start: datetime
    end: datetime
    total: int
    by_category: dict[str, int]
    by_delivery: dict[str, int]
    paused_seconds: float

    @property
    def delivered_share(self) -> float | None:
        return delivered_share(self.by_delivery)


def delivered_share(by_delivery: dict[str, int]) -> float | None:
    """Delivered over meant to be seen, as the server's `deliveryRate`; None: none of those."""
    delivered = sum(by_delivery.get(s, 0) for s in DELIVERED_STATUSES)
    meant = delivered + sum(by_delivery.get(s, 0) for s in MISSED_STATUSES)
    return delivered / meant if meant else None


def pauses(report: SessionReport) -> list[Span]:
    """The recorded pauses; one still going runs to the report's `until`."""
    until = parse(report["until"])
    return [
        Span(parse(p["start"]), parse(p["end"]) if p["end"] else until)
        for p in report["pausedSpans"]
    ]


def slots(report: SessionReport) -> list[Slot]:
    until = parse(report["until"])
    width = timedelta(seconds=report["bucketSeconds"])
    spans = pauses(report)
    made = []
    for bucket in report["buckets"]:
        start = parse(bucket["start"])
        end = min(start + width, max(until, start))
        paused = sum(
            max(0.0, (min(end, s.end) - max(start, s.start)).total_seconds()) for s in spans
        )
        made.append(
            Slot(start, end, bucket["total"], bucket["byCategory"], bucket["byDelivery"], paused)
        )
    return made


def categories(report: SessionReport) -> list[str]:
    """The session's categories, the most fired first (ties in the catalogue's order)."""
    order: dict[str, int] = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(report["byCategory"], key=lambda c: (-report["byCategory"][c], order.get(c, 99)))


def duration(seconds: float) -> str:
    """`42 min`, `1 h 05 min`, `35 s`: how long, for people."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def day(moment: datetime) -> str:
    """`Sat 14 Mar 2026`."""
    return f"{moment:%a} {moment.day} {moment:%b %Y}"


def heading(report: SessionReport) -> str:
    """`Launch day · Sat 14 Mar 2026, 19:00-19:55` (`, live since 19:00` while live)."""
    start = parse(report["startTime"])
    title = report["title"] or f"{report['platform'].capitalize()} stream"
    if report["endTime"] is None:
        return f"{title} · {day(start)}, live since {clock(start)}"
    end = parse(report["endTime"])
    when = clock(end) if end.date() == start.date() else f"{day(end)} {clock(end)}"
    return f"{title} · {day(start)}, {clock(start)}-{when}"
