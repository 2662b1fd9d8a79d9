"""A report as a picture to share: effects over time by category, as stacked bars per
bucket in the session's brand kit colours, paused spans shaded, and a strip below saying
how much of each bucket viewers saw.

matplotlib is imported here only, when a picture is asked for (`--png`): it takes about
half a second to import, which no other command should pay. It draws with Agg (no
display needed) on a Figure of its own, never pyplot's global state.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import StreamFXError
from .palette import category_colors, luminance, mix
from .timeline import (
    categories,
    duration,
    heading,
    pauses,
    percent,
    slots,
)

if TYPE_CHECKING:
    from ..api_types import SessionReport

WIDTH_PX, HEIGHT_PX, DPI = 1600, 900, 100
# The plot's share of the picture's width (the gridspec's left and right), and the gap
# between two bars as a share of a bucket.
LEFT, RIGHT = 0.07, 0.97
PLOT_SHARE = RIGHT - LEFT
GAP_SHARE = 0.12
# The delivery strip: from "none seen" to "all seen", through amber.
MISSED, HALF, DELIVERED = "#E5484D", "#F5A524", "#30A46C"


class ChartsMissing(StreamFXError):
    def __init__(self) -> None:
        super().__init__(
            "Drawing the report needs matplotlib, which is not installed.",
            "Install it with: pip install 'streamfx[charts]'",
        )


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ChartsMissing() from None
    matplotlib.use("Agg")
    return matplotlib


def share_color(share: float) -> str:
    return mix(MISSED, HALF, share * 2) if share < 0.5 else mix(HALF, DELIVERED, share * 2 - 1)


def _subtitle(report: SessionReport) -> str:
    parts = [
        f"{report['total']} effects",
        f"{duration(report['liveSeconds'])} live",
        f"{duration(report['pausedSeconds'])} paused",
    ]
    if report["deliveryRate"] is not None:
        parts.append(f"{percent(report['deliveryRate'])} delivered")
    if report["latencyMs"]["p50"] is not None:
        parts.append(f"median latency {report['latencyMs']['p50']} ms")
    return "  ·  ".join(parts)


def render_png(report: SessionReport) -> bytes:
    """The picture, as PNG bytes (1600 x 900)."""
    _matplotlib()
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    palette = report["colors"]
    background, ink = palette["background"], palette["text"]
    faint = mix(background, ink, 0.18)
    soft = mix(background, ink, 0.65)
    order = categories(report)
    colors = category_colors(order, palette)
    all_slots = slots(report)
    start = all_slots[0].start
    # At least one bucket's width: a session a minute old is not drawn as a minute's span.
    until = max(all_slots[-1].end, start + timedelta(seconds=report["bucketSeconds"]))
    width_days = report["bucketSeconds"] / 86400
    zone = start.tzinfo

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor=background)
    grid = figure.add_gridspec(
        2, 1, height_ratios=(14, 1), hspace=0.12, left=LEFT, right=RIGHT, top=0.8, bottom=0.1
    )
    bars = figure.add_subplot(grid[0])
    strip = figure.add_subplot(grid[1], sharex=bars)
    for ax in (bars, strip):
        ax.set_facecolor(background)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.spines["bottom"].set_color(faint)
        ax.tick_params(colors=soft, labelsize=12, length=0)

    px_per_day = WIDTH_PX * PLOT_SHARE / (until - start).total_seconds() * 86400
    # Paused spans first, under everything; labelled where there is room for the words.
    for span in pauses(report):
        for ax in (bars, strip):
            ax.axvspan(
                mdates.date2num(span.start),
                mdates.date2num(span.end),
                color=mix(background, ink, 0.1),
                zorder=0,
                linewidth=0,
            )
        if (span.end - span.start).total_seconds() / 86400 * px_per_day < 60:
            continue
        middle = span.start + (span.end - span.start) / 2
        bars.text(
            mdates.date2num(middle),
            1.0,
            f"paused\n{duration((span.end - span.start).total_seconds())}",
            transform=bars.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=11,
            color=soft,
            zorder=1,
        )

    # Stacked bars, the most fired category at the bottom, each bar as wide as its bucket
    # (the last one ends at `until`) less a gap; a thin line of background between the
    # segments keeps them apart. Narrow buckets (a long session) get neither.
    cell_px = width_days * px_per_day
    gap = GAP_SHARE if cell_px >= 12 else 0.0
    lefts = [mdates.date2num(s.start) + width_days * gap / 2 for s in all_slots]
    widths = [
        max(0.0, (s.end - s.start).total_seconds() / 86400 - width_days * gap) for s in all_slots
    ]
    centres = [left + width / 2 for left, width in zip(lefts, widths, strict=True)]
    bottoms = [0] * len(all_slots)
    for category in order:
        heights = [s.by_category.get(category, 0) for s in all_slots]
        bars.bar(
            lefts,
            heights,
            width=widths,
            bottom=bottoms,
            align="edge",
            color=colors[category],
            edgecolor=background,
            linewidth=1.5 if cell_px >= 12 else 0,
            zorder=2,
        )
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    biggest = max(bottoms, default=0)
    if not biggest:
        bars.text(
            0.5,
            0.5,
            "Nothing fired yet" if report["endTime"] is None else "Nothing fired",
            transform=bars.transAxes,
            ha="center",
            va="center",
            fontsize=16,
            color=soft,
        )
    bars.set_ylim(0, max(4, biggest * 1.25))
    bars.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    bars.grid(axis="y", color=faint, linewidth=0.8, zorder=0)
    bars.set_axisbelow(True)
    minutes = report["bucketSeconds"] // 60
    bars.set_ylabel(f"effects per {minutes} min", color=soft, fontsize=12)
    bars.tick_params(axis="x", labelbottom=False)
    for slot, centre in zip(all_slots, centres, strict=True):
        if slot.total and cell_px >= 24:
            bars.text(
                centre,
                slot.total,
                str(slot.total),
                ha="center",
                va="bottom",
                fontsize=11,
                color=soft,
                zorder=3,
            )

    # The delivery strip: one cell per bucket, coloured by the share viewers saw.
    for slot, left, width, centre in zip(all_slots, lefts, widths, centres, strict=True):
        share = slot.delivered_share
        if share is None:
            continue
        color = share_color(share)
        strip.bar(left, 1, width=width, align="edge", color=color, linewidth=0, zorder=2)
        if width * px_per_day >= 44:
            strip.text(
                centre,
                0.5,
                percent(share),
                ha="center",
                va="center",
                fontsize=10,
                color="#111111" if luminance(color) > 0.5 else "#FFFFFF",
                zorder=3,
            )
    strip.set_ylim(0, 1)
    strip.set_yticks([])
    strip.set_ylabel("delivered", color=soft, fontsize=12, rotation=0, ha="right", va="center")
    strip.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=zone))
    strip.xaxis.set_major_locator(mdates.AutoDateLocator(tz=zone, minticks=4, maxticks=12))
    strip.set_xlim(mdates.date2num(start), mdates.date2num(until))

    figure.text(LEFT, 0.93, heading(report), color=ink, fontsize=24, fontweight="bold")
    figure.text(LEFT, 0.885, _subtitle(report), color=soft, fontsize=14)
    handles = [Patch(color=colors[c], label=f"{c}  {report['byCategory'][c]}") for c in order]
    if handles:
        bars.legend(
            handles=handles,
            loc="lower right",
            bbox_to_anchor=(1.0, 1.01),
            ncol=len(handles),
            frameon=False,
            labelcolor=ink,
            fontsize=12,
            handlelength=1.2,
            columnspacing=1.4,
        )
    notes = [
        "delivered: shown in OBS or drawn by an overlay page, out of those meant to be seen",
        f"times in {_zone_name(start)}",
    ]
    if report["unplacedPausedSeconds"]:
        notes.append(
            f"{duration(report['unplacedPausedSeconds'])} of earlier pauses not on the timeline"
        )
    figure.text(LEFT, 0.025, "   ·   ".join(notes), color=soft, fontsize=10)
    figure.text(RIGHT, 0.025, "StreamFX", color=soft, fontsize=10, ha="right")

    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, facecolor=background)
    return out.getvalue()


def _zone_name(moment: datetime) -> str:
    return moment.tzname() or "local time"
