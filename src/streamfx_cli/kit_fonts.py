"""The brand kit's fonts on this computer: what `brand-kit get` and `obs status` say.

A kit font that is not installed here (where OBS runs) is drawn in a fallback
(streamfx_cli.obs.fonts); these lines say so before a banner ever shows
(docs/CLI.md, docs/EFFECTS.md "Fonts").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .obs.fonts import FontChoice, choose

if TYPE_CHECKING:
    from .api import Api


@dataclass(frozen=True)
class KitFont:
    role: str  # heading | body
    choice: FontChoice

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "font": self.choice.wanted,
            "used": self.choice.used,
            "installed": not self.choice.fallback,
            "checked": self.choice.checked,
            "note": self.choice.note,
        }

    def line(self) -> str:
        if not self.choice.checked:
            return f"{self.role} {self.choice.wanted}: cannot tell whether it is installed here"
        if self.choice.fallback:
            return f"{self.role} {self.choice.note}"
        return f"{self.role} {self.choice.wanted}: installed"


def kit_fonts(typography: Mapping[str, Any]) -> list[KitFont]:
    """The heading and body fonts of a kit's `typography`, each as drawn here."""
    from streamfx_wire.vocabulary import DEFAULT_TYPOGRAPHY

    heading = str(typography.get("headingFont") or DEFAULT_TYPOGRAPHY["headingFont"])
    body = str(typography.get("bodyFont") or DEFAULT_TYPOGRAPHY["bodyFont"])
    # The banner's fallback for a missing heading font is the body font (draw.banner_font).
    fonts = [KitFont("heading", choose(heading, [body] if body != heading else []))]
    if body.casefold() != heading.casefold():
        fonts.append(KitFont("body", choose(body)))
    return fonts


def active_typography(api: Api) -> tuple[str, Mapping[str, Any]]:
    """(which kit, its typography): the creator's active kit, or the defaults."""
    from streamfx_wire.vocabulary import DEFAULT_TYPOGRAPHY

    active = api.me().get("settings", {}).get("activeBrandKitId")
    if not active:
        return "the default look (no active brand kit)", DEFAULT_TYPOGRAPHY
    kit = api.brand_kit(str(active))
    return f"brand kit {kit['name']!r}", kit.get("typography", {})


__all__ = ["KitFont", "active_typography", "kit_fonts"]
