"""Per-kind effect parameters (docs/EFFECTS.md): validated when an effect is made and when fired.

An effect stores only the parameters it was given; the defaults below apply
at render time, so a stored effect keeps following the brand kit. Colour
parameters may name a palette colour ("primary", "accent", ...) instead of a
fixed `#RRGGBB`, and are resolved against the brand kit when fired.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError, create_model

from streamfx_wire.kinds import OverlayAnimation

from .catalog import check_color_ref
from .schemas import ApiModel

MAX_DURATION_MS = 3_600_000
ColorRef = Annotated[str, Field(max_length=16), AfterValidator(check_color_ref)]
ObsName = Annotated[str, Field(min_length=1, max_length=256)]
Millis = Annotated[int, Field(ge=0, le=MAX_DURATION_MS)]


class ParamsError(ValueError):
    """Parameters that do not fit the effect's kind; `details` name each bad field."""

    def __init__(self, message: str, details: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.details = details


class TextParams(ApiModel):
    text: Annotated[str, Field(min_length=1, max_length=280)] | None = None
    color: ColorRef = "text"
    background: ColorRef = "primary"


class FlashParams(ApiModel):
    color: ColorRef = "primary"
    opacity: Annotated[float, Field(ge=0, le=1)] = 0.85


class ImageParams(ApiModel):
    pass


class MediaParams(ApiModel):
    volume: Annotated[float, Field(ge=0, le=1)] = 1.0


class ShakeParams(ApiModel):
    amplitude: Annotated[float, Field(ge=0, le=400)] = Field(
        default=12.0, description="Pixels at motion intensity 3; scaled by intensity / 3."
    )
    frequency_hz: Annotated[float, Field(ge=0.5, le=60)] = 12.0


class SceneParams(ApiModel):
    scene: ObsName
    return_after_ms: Millis | None = Field(
        default=None, description="0 stays on the scene; omitted returns after durationMs."
    )


class FilterParams(ApiModel):
    source: ObsName
    filter: ObsName


class HotkeyParams(ApiModel):
    hotkey: ObsName


class OverlayParams(ApiModel):
    animation: OverlayAnimation = "confetti"
    particle_count: Annotated[int, Field(ge=1, le=1000)] = 150


MODELS: dict[str, type[ApiModel]] = {
    "text": TextParams,
    "flash": FlashParams,
    "image": ImageParams,
    "media": MediaParams,
    "shake": ShakeParams,
    "scene": SceneParams,
    "filter": FilterParams,
    "hotkey": HotkeyParams,
    "overlay": OverlayParams,
}

# When firing, any kind also takes `durationMs` to override the effect's own.
TRIGGER_MODELS: dict[str, type[ApiModel]] = {
    kind: create_model(
        f"{model.__name__}AtTrigger",
        __base__=model,
        duration_ms=(Millis | None, None),
    )
    for kind, model in MODELS.items()
}


def _details(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        out.append({"field": f"params.{loc}" if loc else "params", "message": err["msg"]})
    return out


def _parse(models: Mapping[str, type[ApiModel]], kind: str, params: Mapping[str, Any]) -> ApiModel:
    model = models.get(kind)
    if model is None:
        raise ParamsError(
            f"Unknown effect kind {kind!r}.", [{"field": "kind", "message": "unknown kind"}]
        )
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        details = _details(exc)
        first = details[0]
        raise ParamsError(
            f"Invalid {first['field']} for a {kind} effect: {first['message']}.", details
        ) from None


def normalize(kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the parameters stored with an effect; returns only the keys given, normalised."""
    return _parse(MODELS, kind, params).model_dump(by_alias=True, exclude_unset=True)


def at_trigger(kind: str, stored: Mapping[str, Any], given: Mapping[str, Any]) -> ApiModel:
    """The effect's parameters with the trigger's on top, defaults filled in."""
    return _parse(TRIGGER_MODELS, kind, {**stored, **given})
