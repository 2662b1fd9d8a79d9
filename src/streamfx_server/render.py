"""Resolve an effect against a brand kit into the concrete `render` of docs/RENDER.md.

Pure: no database, no clock, no I/O. The OBS bridge and the overlay page only
draw what this returns, so every brand decision is made here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from streamfx_wire.kinds import (
    KIND_SPECS,
    AssetRef,
    FilterFields,
    FilterRampFields,
    FlashFields,
    HotkeyFields,
    ImageFields,
    KindTable,
    MediaFields,
    MoveFields,
    MoveTarget,
    OverlayFields,
    ReplayFields,
    SceneFields,
    ShakeFields,
    TextFields,
)
from streamfx_wire.vocabulary import (
    DEFAULT_MAX_DELAY_MS,
    DEFAULT_MOTION_INTENSITY,
    DEFAULT_PALETTE,
    DEFAULT_QUEUE_MODE,
    DEFAULT_TYPOGRAPHY,
    PALETTE_ROLES,
)

from . import effect_params as P


@dataclass(frozen=True)
class Brand:
    """The brand values a render needs; `Brand()` is the look without any kit."""

    palette: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PALETTE))
    heading_font: str = DEFAULT_TYPOGRAPHY["headingFont"]
    body_font: str = DEFAULT_TYPOGRAPHY["bodyFont"]
    base_size: int = DEFAULT_TYPOGRAPHY["baseSize"]
    motion_intensity: int = DEFAULT_MOTION_INTENSITY


@dataclass(frozen=True)
class Asset:
    sha256: str
    content_type: str

    @property
    def url(self) -> str:
        return f"/api/assets/{self.sha256}"


@dataclass(frozen=True)
class Effect:
    id: str
    slug: str
    name: str
    category: str
    kind: str
    params: Mapping[str, Any]
    duration_ms: int
    asset: Asset | None = None
    queue_mode: str = DEFAULT_QUEUE_MODE
    max_delay_ms: int = DEFAULT_MAX_DELAY_MS


def color(brand: Brand, ref: str) -> str:
    """A palette role name or a `#RRGGBB` value (already validated) to `#RRGGBB`."""
    return brand.palette.get(ref, ref)


def shake_amplitude(base: float, motion_intensity: int) -> float:
    # The parameter is the amplitude at the middle intensity, so a kit at 3 shows what was asked.
    return round(base * motion_intensity / DEFAULT_MOTION_INTENSITY, 1)


# The kind's own fields from the effect, the brand, the merged parameters and the
# render so far; one per kind of streamfx_wire.kinds (tests/unit/test_wire.py checks).
Renderer = Callable[[Effect, Brand, Any, dict[str, Any]], Mapping[str, Any]]
RENDERERS: KindTable[Renderer] = KindTable()


def resolve(
    effect: Effect, brand: Brand | None, given: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The render for firing `effect` with trigger parameters `given`.

    Raises effect_params.ParamsError when the merged parameters do not fit the kind.
    """
    brand = brand or Brand()
    params = P.at_trigger(effect.kind, effect.params, given or {})
    duration = params.duration_ms  # type: ignore[attr-defined]
    render: dict[str, Any] = {
        "kind": effect.kind,
        "effect": {
            "id": effect.id,
            "slug": effect.slug,
            "name": effect.name,
            "category": effect.category,
        },
        "durationMs": effect.duration_ms if duration is None else duration,
        "colors": {role: brand.palette[role] for role in PALETTE_ROLES},
        "font": {"heading": brand.heading_font, "body": brand.body_font, "size": brand.base_size},
        "motionIntensity": brand.motion_intensity,
        # How whoever draws it schedules it (docs/AGENT.md "Lanes"): fixed at trigger
        # time like the rest, so an agent needs nothing but the render.
        "lane": KIND_SPECS[effect.kind].lane,
        "queueMode": effect.queue_mode,
        "maxDelayMs": effect.max_delay_ms,
    }
    render.update(RENDERERS[effect.kind](effect, brand, params, render))
    return render


@RENDERERS.register("text")
def _text(effect: Effect, brand: Brand, p: Any, _r: dict[str, Any]) -> TextFields:
    return {
        "text": p.text or effect.name,
        "color": color(brand, p.color),
        "background": color(brand, p.background),
    }


@RENDERERS.register("flash")
def _flash(_e: Effect, brand: Brand, p: Any, _r: dict[str, Any]) -> FlashFields:
    return {"color": color(brand, p.color), "opacity": p.opacity}


def _asset(effect: Effect) -> ImageFields:
    if effect.asset is None:
        return {}
    a = effect.asset
    ref: AssetRef = {"sha256": a.sha256, "contentType": a.content_type, "url": a.url}
    return {"asset": ref}


@RENDERERS.register("image")
def _image(effect: Effect, _b: Brand, _p: Any, _r: dict[str, Any]) -> ImageFields:
    return _asset(effect)


@RENDERERS.register("media")
def _media(effect: Effect, _b: Brand, p: Any, _r: dict[str, Any]) -> MediaFields:
    return {**_asset(effect), "volume": p.volume}


@RENDERERS.register("shake")
def _shake(_e: Effect, brand: Brand, p: Any, _r: dict[str, Any]) -> ShakeFields:
    return {
        "amplitude": shake_amplitude(p.amplitude, brand.motion_intensity),
        "frequencyHz": p.frequency_hz,
    }


@RENDERERS.register("scene")
def _scene(_e: Effect, _b: Brand, p: Any, render: dict[str, Any]) -> SceneFields:
    back = render["durationMs"] if p.return_after_ms is None else p.return_after_ms
    return {"scene": p.scene, "returnAfterMs": back}


@RENDERERS.register("filter")
def _filter(_e: Effect, _b: Brand, p: Any, _r: dict[str, Any]) -> FilterFields:
    return {"source": p.source, "filter": p.filter}


@RENDERERS.register("hotkey")
def _hotkey(_e: Effect, _b: Brand, p: Any, _r: dict[str, Any]) -> HotkeyFields:
    return {"hotkey": p.hotkey}


@RENDERERS.register("overlay")
def _overlay(_e: Effect, _b: Brand, p: Any, _r: dict[str, Any]) -> OverlayFields:
    return {"animation": p.animation, "particleCount": p.particle_count}


@RENDERERS.register("move")
def _move(_e: Effect, _b: Brand, p: Any, _r: dict[str, Any]) -> MoveFields:
    to: MoveTarget = p.target()
    return {
        "source": p.source,
        "scene": p.scene,
        "to": to,
        "easing": p.easing,
        "animateMs": p.animate_ms,
    }


@RENDERERS.register("filter-ramp")
def _filter_ramp(_e: Effect, _b: Brand, p: Any, _r: dict[str, Any]) -> FilterRampFields:
    return {
        "source": p.source,
        "filter": p.filter,
        "settings": dict(p.settings),
        "easing": p.easing,
        "animateMs": p.animate_ms,
    }


@RENDERERS.register("replay")
def _replay(_e: Effect, _b: Brand, _p: Any, _r: dict[str, Any]) -> ReplayFields:
    return {}
