"""Text that can be read on its bar: the WCAG 2 contrast rule, pure.

A banner's text must stand out from its bar by at least 4.5:1 (WCAG 2.x, "minimum
contrast" for normal text), whatever the brand kit says. When the kit's own pair
falls short, the banner takes the palette colour that contrasts most with the bar;
when no palette colour passes, white or black (one of them always reaches 4.58:1).
"""

from __future__ import annotations

from collections.abc import Iterable

MIN_TEXT_CONTRAST = 4.5
WHITE, BLACK = "#FFFFFF", "#000000"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_rgb: str) -> float:
    """WCAG 2 relative luminance of `#RRGGBB`: 0 (black) .. 1 (white)."""
    value = hex_rgb.strip().lstrip("#")
    if len(value) != 6 or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise ValueError(f"not a #RRGGBB colour: {hex_rgb!r}")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours, 1.0 .. 21.0 (order does not matter)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    light, dark = max(la, lb), min(la, lb)
    return (light + 0.05) / (dark + 0.05)


def readable_text_color(wanted: str, background: str, palette: Iterable[str] = ()) -> str:
    """`wanted` if it is readable on `background`; else the palette colour that
    contrasts most with it, if that passes; else white or black, whichever is better."""
    if contrast_ratio(wanted, background) >= MIN_TEXT_CONTRAST:
        return wanted
    candidates = [c for c in palette if contrast_ratio(c, background) >= MIN_TEXT_CONTRAST]
    if candidates:
        return max(candidates, key=lambda c: contrast_ratio(c, background))
    return max((WHITE, BLACK), key=lambda c: contrast_ratio(c, background))


__all__ = ["MIN_TEXT_CONTRAST", "contrast_ratio", "readable_text_color", "relative_luminance"]
