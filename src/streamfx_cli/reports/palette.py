"""The colours of a report's categories, from the session's brand kit palette.

The kit's three strong colours go to the session's three most fired categories (so its
main colours are the ones that show); further categories get blends of them. Standard
library only: the terminal view and the picture use the same colours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..api_types import Palette


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def mix(a: str, b: str, share_of_b: float = 0.5) -> str:
    """The colour `share_of_b` of the way from `a` to `b`, as `#RRGGBB`."""
    pairs = zip(_rgb(a), _rgb(b), strict=True)
    return "#" + "".join(f"{round(x + (y - x) * share_of_b):02X}" for x, y in pairs)


def category_colors(categories: list[str], palette: Palette) -> dict[str, str]:
    """`categories` (the most fired first) -> `#RRGGBB`."""
    primary, secondary, accent = palette["primary"], palette["secondary"], palette["accent"]
    choices = [
        primary,
        secondary,
        accent,
        mix(primary, secondary),
        mix(secondary, accent),
        mix(primary, accent),
        mix(primary, palette["text"]),
    ]
    return {c: choices[i % len(choices)].upper() for i, c in enumerate(categories)}


def luminance(color: str) -> float:
    """Relative brightness 0..1 (WCAG's weights, without the gamma curve: enough to pick
    dark or light text on a colour)."""
    r, g, b = _rgb(color)
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
