"""The fixed vocabularies of the API and the brand defaults, shared by models and render."""

from __future__ import annotations

import re
from typing import Literal

CATEGORIES = ("celebration", "alert", "transition", "ambient", "sound", "text", "custom")
KINDS = ("text", "flash", "image", "media", "shake", "scene", "filter", "hotkey", "overlay")
# Kinds that show an uploaded file; they come from POST /api/effects/upload only.
ASSET_KINDS = ("image", "media")
PLATFORMS = ("twitch", "youtube", "kick", "tiktok", "facebook", "custom")
SOURCES = ("cli", "tui", "api", "ws", "hotkey")
SESSION_STATUSES = ("active", "paused", "ended")
PALETTE_ROLES = ("primary", "secondary", "accent", "background", "text")

Category = Literal["celebration", "alert", "transition", "ambient", "sound", "text", "custom"]
Kind = Literal["text", "flash", "image", "media", "shake", "scene", "filter", "hotkey", "overlay"]
Platform = Literal["twitch", "youtube", "kick", "tiktok", "facebook", "custom"]
Source = Literal["cli", "tui", "api", "ws", "hotkey"]
SessionStatus = Literal["active", "paused", "ended"]

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Font names end up in OBS settings and in the overlay's CSS: no quotes, semicolons or braces.
FONT_NAME = re.compile(r"^[\w .\-]{1,64}$")

DEFAULT_PALETTE = {
    "primary": "#7B2FF7",
    "secondary": "#F107A3",
    "accent": "#FFD166",
    "background": "#0B0B0F",
    "text": "#FFFFFF",
}
DEFAULT_TYPOGRAPHY = {"headingFont": "Inter", "bodyFont": "Inter", "baseSize": 48}
DEFAULT_MOTION_INTENSITY = 3


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
