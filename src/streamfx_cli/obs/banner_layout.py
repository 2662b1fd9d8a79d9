"""Where the banner (kind `text`) goes on the OBS canvas, and how big it is: pure.

The banner is three sources of the StreamFX scene, bottom to top: an accent stripe,
a bar in the banner's background colour, and the text. Like the overlay page's
banner (docs/EFFECTS.md) it sits in the lower third, centred, with its size from
the kit's base size, which is in pixels of a 1080-line picture and scaled to the
canvas. Every item is anchored at its bottom centre at a place that depends on the
canvas only (`home`; the padding too, from the kit's default 48 px): a banner changes
the sizes of the bar and stripe, never where an item is, so ending it only has to hide
them again (docs/EFFECTS.md "Banner in OBS").

The stripe is a band of the bar's width right under it, touching and not overlapping:
while the banner fades (docs/EFFECTS.md "Motion") nothing shows through the bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REFERENCE_HEIGHT = 1080  # the kit's baseSize is in px of this picture (the overlay's stage)
MIN_FONT_PX = 8
# OBS alignment flags (obs-defs.h): 0 is the centre; 8 is the bottom edge.
ALIGN_BOTTOM_CENTRE = 8
BOUNDS_MAX_ONLY = "OBS_BOUNDS_MAX_ONLY"  # shrink to fit, never grow
# Of the canvas: the widest and tallest the bar may be, and the gap under it (the
# overlay page's 120 px of 1080).
MAX_WIDTH_SHARE = 0.9
MAX_TEXT_HEIGHT_SHARE = 0.3
BOTTOM_GAP_SHARE = 120 / 1080
# Of the default font size (48 px at 1080 lines), like the overlay's `.sfx-banner`
# padding and accent border.
PADDING_FONT_PX = 48
PAD_X_EM, PAD_Y_EM, STRIPE_EM = 1.2, 0.55, 0.18


@dataclass(frozen=True)
class BannerHome:
    """Everything about the banner that depends on the canvas only."""

    canvas_width: int
    canvas_height: int

    @property
    def _em(self) -> float:
        return PADDING_FONT_PX * self.canvas_height / REFERENCE_HEIGHT

    @property
    def pad_x(self) -> int:
        return max(2, round(self._em * PAD_X_EM))

    @property
    def pad_y(self) -> int:
        return max(1, round(self._em * PAD_Y_EM))

    @property
    def stripe(self) -> int:
        return max(2, round(self._em * STRIPE_EM))

    @property
    def centre_x(self) -> float:
        return self.canvas_width / 2

    @property
    def bar_bottom(self) -> float:
        return float(round(self.canvas_height * (1 - BOTTOM_GAP_SHARE)))

    @property
    def max_text_width(self) -> int:
        return max(1, round(self.canvas_width * MAX_WIDTH_SHARE) - 2 * self.pad_x)

    @property
    def max_text_height(self) -> int:
        return max(1, round(self.canvas_height * MAX_TEXT_HEIGHT_SHARE))

    def text_transform(self) -> dict[str, Any]:
        """The text's item: bottom centre inside the bar, shrunk to fit, never larger."""
        return {
            "alignment": ALIGN_BOTTOM_CENTRE,
            "positionX": self.centre_x,
            "positionY": self.bar_bottom - self.pad_y,
            "scaleX": 1.0,
            "scaleY": 1.0,
            "rotation": 0.0,
            "boundsType": BOUNDS_MAX_ONLY,
            "boundsAlignment": ALIGN_BOTTOM_CENTRE,
            "boundsWidth": float(self.max_text_width),
            "boundsHeight": float(self.max_text_height),
        }

    def bar_transform(self) -> dict[str, Any]:
        return _plain_at(self.centre_x, self.bar_bottom)

    def stripe_transform(self) -> dict[str, Any]:
        return _plain_at(self.centre_x, self.bar_bottom + self.stripe)


def _plain_at(x: float, y: float) -> dict[str, Any]:
    return {
        "alignment": ALIGN_BOTTOM_CENTRE,
        "positionX": x,
        "positionY": y,
        "scaleX": 1.0,
        "scaleY": 1.0,
        "rotation": 0.0,
        "boundsType": "OBS_BOUNDS_NONE",
    }


def font_px(base_size: int, canvas_height: int) -> int:
    """The kit's base size (px at 1080 lines) on a canvas this tall."""
    return max(MIN_FONT_PX, round(base_size * canvas_height / REFERENCE_HEIGHT))


def home(canvas_width: int, canvas_height: int) -> BannerHome:
    return BannerHome(canvas_width, canvas_height)


@dataclass(frozen=True)
class BannerSize:
    """The bar and stripe for one text, as colour-source sizes (px)."""

    text_width: float  # as drawn, after shrinking to fit
    text_height: float
    bar_width: int
    bar_height: int
    stripe_width: int
    stripe_height: int


def fitted(where: BannerHome, source_width: float, source_height: float) -> BannerSize:
    """The bar around text that OBS measured at `source_width` x `source_height`
    (before the bounds shrink it); it never leaves the canvas."""
    scale = 1.0
    if source_width > 0 and source_height > 0:
        scale = min(1.0, where.max_text_width / source_width, where.max_text_height / source_height)
    text_w, text_h = source_width * scale, source_height * scale
    bar_w = min(where.canvas_width, round(text_w) + 2 * where.pad_x)
    bar_h = round(text_h) + 2 * where.pad_y
    return BannerSize(text_w, text_h, bar_w, bar_h, bar_w, where.stripe)


__all__ = ["BannerHome", "BannerSize", "fitted", "font_px", "home"]
