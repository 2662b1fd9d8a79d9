"""Reading an SVG screenshot (App.export_screenshot) back as lines of text.

Rich writes each run of text as a <text> element with its x position and a
clip path naming its line; a cell is 12.2 px wide (0.61 x the 20 px font).
"""

from __future__ import annotations

import html
import re

CELL_WIDTH = 12.2
_TEXT = re.compile(
    r'<text class="[^"]*-r\d+" x="(?P<x>[\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[^)]*-line-(?P<line>\d+)\)">(?P<text>[^<]*)</text>'
)
_FILL = re.compile(r'<rect fill="(#[0-9a-fA-F]{6})" x="(?P<x>[\d.]+)" y="(?P<y>[\d.]+)"')


def svg_lines(svg: str, width: int = 120, height: int = 36) -> list[str]:
    rows = [[" "] * width for _ in range(height)]
    for match in _TEXT.finditer(svg):
        col = round(float(match["x"]) / CELL_WIDTH)
        line = int(match["line"])
        if line >= height:
            continue
        for i, char in enumerate(html.unescape(match["text"]).replace("\xa0", " ")):
            if 0 <= col + i < width:
                rows[line][col + i] = char
    return ["".join(row).rstrip() for row in rows]


def background_colours(svg: str) -> set[str]:
    """Every cell background colour in the screenshot, as #rrggbb (lower case)."""
    return {m.group(1).lower() for m in _FILL.finditer(svg)}
