"""A session's report: live and paused time, what was fired and how it was delivered, and
a timeline in 10-minute buckets (docs/REPORTS.md; DESIGN.md section 13).

Every number is counted by SQLite from indexes (m008 in infra/migrations.py); no
activation row comes into Python, so a session of a million activations answers in
well under a second (docs/BENCHMARKS.md, "Session report"). What Python adds up are the
grouped counts: at most (categories x delivery statuses) per bucket.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import Field

from streamfx_wire.vocabulary import DEFAULT_PALETTE, DELIVERED_STATUSES, MISSED_STATUSES

from . import brand_kits, session_pauses, sessions
from .infra.ids import iso, parse_iso
from .schemas import ApiModel

BUCKET_SECONDS = 600
# A session left live for weeks would otherwise answer thousands of buckets: beyond a
# week of 10-minute buckets, each bucket is a whole number of 10 minutes wide instead.
MAX_BUCKETS = 7 * 24 * 6
UNKNOWN = "unknown"  # an activation whose render names no effect (none is written so)
# The lowest and highest triggered_ms there can be: the first and last buckets reach
# them, so an activation outside the session's span (none should be) still counts once.
_EARLIEST, _LATEST = -(2**62), 2**62


class PausedSpan(ApiModel):
    start: str
    end: str | None = Field(description="null: the session is paused now.")


class Latency(ApiModel):
    """Nearest-rank percentiles over delivered activations (shown, overlay) with a latency;
    all null when there are none."""

    p50: int | None
    p95: int | None
    max: int | None


class Bucket(ApiModel):
    start: str = Field(description="The bucket covers [start, start + bucketSeconds).")
    total: int
    by_category: dict[str, int]
    by_delivery: dict[str, int]


class SessionReport(ApiModel):
    session_id: str
    title: str | None
    platform: str
    status: str
    start_time: str
    end_time: str | None
    until: str = Field(description="The end of the time covered: endTime, or now if live.")
    live_seconds: float
    paused_seconds: float
    unplaced_paused_seconds: float = Field(
        description="Paused time from before pauses were recorded one by one: counted in "
        "pausedSeconds, absent from pausedSpans."
    )
    paused_spans: list[PausedSpan]
    total: int
    by_effect: dict[str, int] = Field(description="Count per effect slug, as fired.")
    by_category: dict[str, int]
    by_source: dict[str, int]
    by_delivery: dict[str, int] = Field(description="Count per delivery status.")
    delivery_rate: float | None = Field(
        description="(shown + overlay) / (shown + overlay + hidden + failed + expired); "
        "null when none of those."
    )
    latency_ms: Latency
    bucket_seconds: int
    buckets: list[Bucket]
    colors: dict[str, str] = Field(
        description="The session's brand kit palette (as a render's `colors`)."
    )


def report(
    conn: sqlite3.Connection, creator_id: str, session_id: str, at: datetime
) -> SessionReport:
    """The report of the creator's session as of `at`; 404 for anyone else's. Run it in one
    read transaction (`Database.snapshot`) so that every count sees the same rows."""
    row = sessions.own(conn, creator_id, session_id)
    start = parse_iso(row["start_time"])
    until = parse_iso(row["end_time"]) if row["end_time"] else max(at, start)
    paused = _paused_seconds(row, until)
    spans = session_pauses.of_session(conn, session_id)
    effects_sources = _grouped(conn, _BY_EFFECT_AND_SOURCE, session_id)
    categories_statuses = _grouped(conn, _BY_CATEGORY_AND_STATUS, session_id)
    width = _bucket_seconds(start, until)
    kit = brand_kits.for_session(conn, creator_id, row["brand_kit_id"])
    by_delivery = _sum(categories_statuses, 1)
    return SessionReport(
        session_id=session_id,
        title=row["title"],
        platform=row["platform"],
        status=row["status"],
        start_time=row["start_time"],
        end_time=row["end_time"],
        until=iso(until),
        live_seconds=sessions.live_seconds(row, until),
        paused_seconds=paused,
        unplaced_paused_seconds=_unplaced(paused, spans, until),
        paused_spans=[PausedSpan(start=s.start, end=s.end) for s in spans],
        total=sum(n for _, n in categories_statuses),
        by_effect=_sum(effects_sources, 0),
        by_category=_sum(categories_statuses, 0),
        by_source=_sum(effects_sources, 1),
        by_delivery=by_delivery,
        delivery_rate=_delivery_rate(by_delivery),
        latency_ms=_latency(conn, session_id),
        bucket_seconds=width,
        buckets=_buckets(conn, session_id, start, until, width, categories_statuses),
        colors=dict(kit.color_palette.model_dump() if kit else DEFAULT_PALETTE),
    )


# -- time ---------------------------------------------------------------------------


def _paused_seconds(row: sqlite3.Row, until: datetime) -> float:
    """The stored sum of ended pauses, and the current one up to `until`."""
    current = (until - parse_iso(row["paused_at"])).total_seconds() if row["paused_at"] else 0.0
    return round(row["paused_seconds"] + max(current, 0.0), 3)


def _unplaced(paused: float, spans: list[session_pauses.Pause], until: datetime) -> float:
    """Paused seconds no recorded pause accounts for: pauses that ended before they were
    recorded one by one (m007). Under a second is the rounding of the stored times."""
    placed = sum(
        ((parse_iso(s.end) if s.end else until) - parse_iso(s.start)).total_seconds() for s in spans
    )
    missing = paused - placed
    return round(missing, 3) if missing >= 1 else 0.0


def _bucket_seconds(start: datetime, until: datetime) -> int:
    span = (until - start).total_seconds()
    widen = max(1, math.ceil(span / BUCKET_SECONDS / MAX_BUCKETS))
    return BUCKET_SECONDS * widen


# -- counts -------------------------------------------------------------------------

# Both group by the leading columns of an index after session_id, so SQLite reads the
# index in order and counts as it goes (no sort).
_BY_EFFECT_AND_SOURCE = (
    "SELECT effect_slug, source, COUNT(*) FROM effect_activations "
    "WHERE session_id = ? GROUP BY effect_slug, source"
)
_BY_CATEGORY_AND_STATUS = (
    "SELECT category, delivery_status, COUNT(*) FROM effect_activations "
    "WHERE session_id = ? GROUP BY category, delivery_status"
)

Group = tuple[tuple[str, str], int]


def _grouped(conn: sqlite3.Connection, sql: str, session_id: str) -> list[Group]:
    return [((a or UNKNOWN, b), n) for a, b, n in conn.execute(sql, (session_id,))]


def _sum(groups: Iterable[Group], key: int) -> dict[str, int]:
    """Counts per `key`-th part of the groups."""
    counts: Counter[str] = Counter()
    for parts, n in groups:
        counts[parts[key]] += n
    return _ordered(counts)


def _delivery_rate(by_delivery: dict[str, int]) -> float | None:
    """Delivered over meant to be seen (streamfx_wire.vocabulary says which statuses)."""
    delivered = sum(by_delivery.get(s, 0) for s in DELIVERED_STATUSES)
    meant = delivered + sum(by_delivery.get(s, 0) for s in MISSED_STATUSES)
    return round(delivered / meant, 4) if meant else None


# The partial index of delivered activations with a latency (m008), in latency order:
# a rank is an OFFSET into it, stepped over in the index without reading a row.
_LATENCY_WHERE = (
    "WHERE session_id = ? AND latency_ms IS NOT NULL AND delivery_status IN ('shown', 'overlay')"
)
_LATENCY_COUNT = f"SELECT COUNT(*), MAX(latency_ms) FROM effect_activations {_LATENCY_WHERE}"  # noqa: S608 (fixed text)
_LATENCY_AT_RANK = (
    f"SELECT latency_ms FROM effect_activations {_LATENCY_WHERE} "  # noqa: S608 (fixed text)
    "ORDER BY latency_ms LIMIT 1 OFFSET ?"
)


def _latency(conn: sqlite3.Connection, session_id: str) -> Latency:
    count, longest = conn.execute(_LATENCY_COUNT, (session_id,)).fetchone()
    if not count:
        return Latency(p50=None, p95=None, max=None)

    def percentile(p: int) -> int:
        # Nearest rank: the smallest latency with at least p% of them at or below it.
        rank = math.ceil(p * count / 100)
        return int(conn.execute(_LATENCY_AT_RANK, (session_id, rank - 1)).fetchone()[0])

    return Latency(p50=percentile(50), p95=percentile(95), max=longest)


# One count per bucket for one (category, delivery status): each a range of the
# (session_id, category, delivery_status, triggered_ms) index, so all the buckets of all
# the pairs together read each index entry once.
# MATERIALIZED: counted once each, not again for the `n > 0` filter.
_BUCKET_COUNTS = """
WITH RECURSIVE bucket(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM bucket WHERE i + 1 < :count),
counted AS MATERIALIZED (
    SELECT i, (
        SELECT COUNT(*) FROM effect_activations
        WHERE session_id = :session AND category IS :category AND delivery_status = :status
        AND triggered_ms >= CASE WHEN i = 0 THEN :earliest ELSE :start + i * :width END
        AND triggered_ms < CASE WHEN i + 1 = :count THEN :latest ELSE :start + (i + 1) * :width END
    ) AS n FROM bucket
)
SELECT i, n FROM counted WHERE n > 0
"""


def _buckets(
    conn: sqlite3.Connection,
    session_id: str,
    start: datetime,
    until: datetime,
    width: int,
    pairs: list[Group],
) -> list[Bucket]:
    count = max(1, math.ceil((until - start).total_seconds() / width))
    by_category: list[Counter[str]] = [Counter() for _ in range(count)]
    by_delivery: list[Counter[str]] = [Counter() for _ in range(count)]
    for (category, status), _ in pairs:
        rows = conn.execute(
            _BUCKET_COUNTS,
            {
                "count": count,
                "session": session_id,
                "category": None if category == UNKNOWN else category,
                "status": status,
                "earliest": _EARLIEST,
                "latest": _LATEST,
                "start": int(start.timestamp() * 1000),
                "width": width * 1000,
            },
        )
        for i, n in rows:
            by_category[i][category] += n
            by_delivery[i][status] += n
    return [
        Bucket(
            start=iso(start + timedelta(seconds=i * width)),
            total=sum(by_category[i].values()),
            by_category=_ordered(by_category[i]),
            by_delivery=_ordered(by_delivery[i]),
        )
        for i in range(count)
    ]


def _ordered(counts: Counter[str]) -> dict[str, int]:
    """The counts, the most first (then by name)."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
