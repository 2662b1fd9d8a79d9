"""Checks of the values a brand kit and an effect's colour parameters may hold.

The vocabularies themselves (categories, kinds, palette roles, defaults) are the
wire contract shared with the CLI: they live in streamfx_wire.
"""

from __future__ import annotations

import re

from streamfx_wire.vocabulary import PALETTE_ROLES

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Font names end up in OBS settings and in the overlay's CSS: no quotes, semicolons or braces.
FONT_NAME = re.compile(r"^[\w .\-]{1,64}$")


def check_hex(value: str) -> str:
    if not HEX_COLOR.match(value):
        raise ValueError("must be a colour like #FF6600")
    return value.upper()


def check_font(value: str) -> str:
    value = value.strip()
    if not FONT_NAME.match(value):
        raise ValueError("must be a font family name (letters, digits, spaces, dots, dashes)")
    return value


def check_color_ref(value: str) -> str:
    """A `#RRGGBB` colour, or the name of a brand palette colour resolved at trigger time."""
    lowered = value.strip().lower()
    if lowered in PALETTE_ROLES:
        return lowered
    if not HEX_COLOR.match(value.strip()):
        raise ValueError(f"must be a colour like #FF6600 or one of {', '.join(PALETTE_ROLES)}")
    return value.strip().upper()
