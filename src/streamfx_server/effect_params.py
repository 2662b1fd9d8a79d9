"""Per-kind effect parameters (docs/EFFECTS.md): validated when an effect is made and when fired.

An effect stores only the parameters it was given; the defaults below apply
at render time, so a stored effect keeps following the brand kit. Colour
parameters may name a palette colour ("primary", "accent", ...) instead of a
fixed `#RRGGBB`, and are resolved against the brand kit when fired.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError, create_model, model_validator

from streamfx_wire.kinds import Easing, OverlayAnimation

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


# The way to a move's or a filter ramp's target (and back): ten seconds at most, since
# every frame of it is a request in one batch.
AnimateMs = Annotated[int, Field(ge=0, le=10_000)]
Position = Annotated[float, Field(ge=-90_000, le=90_000, allow_inf_nan=False)]
Factor = Annotated[float, Field(gt=0, le=20, allow_inf_nan=False)]
Degrees = Annotated[float, Field(ge=-3600, le=3600, allow_inf_nan=False)]
SettingName = Annotated[str, Field(min_length=1, max_length=64)]
SettingValue = Annotated[
    float, Field(strict=True, ge=-1_000_000, le=1_000_000, allow_inf_nan=False)
]

# Each absolute target and the relative one that cannot come with it.
_MOVE_PAIRS = (("x", "dx"), ("y", "dy"), ("scale", "scale_by"), ("rotation", "rotate_by"))


class MoveParams(ApiModel):
    source: ObsName
    scene: ObsName | None = Field(default=None, description="Omitted: the program scene.")
    x: Position | None = None
    y: Position | None = None
    dx: Position | None = None
    dy: Position | None = None
    scale: Factor | None = None
    scale_by: Factor | None = None
    rotation: Degrees | None = None
    rotate_by: Degrees | None = None
    easing: Easing = "ease-in-out"
    animate_ms: AnimateMs = 500

    @model_validator(mode="after")
    def _one_target_each(self) -> MoveParams:
        for absolute, relative in _MOVE_PAIRS:
            if getattr(self, absolute) is not None and getattr(self, relative) is not None:
                raise ValueError(
                    f"give {absolute} or {_camel(relative)}, not both: one is where to go, "
                    "the other how far"
                )
        if all(getattr(self, name) is None for pair in _MOVE_PAIRS for name in pair):
            raise ValueError(
                "a move needs somewhere to go: x, y, dx, dy, scale, scaleBy, rotation or rotateBy"
            )
        return self

    def target(self) -> dict[str, float]:
        """The given targets, camelCase, as the render's `to`."""
        return {
            _camel(name): value
            for pair in _MOVE_PAIRS
            for name in pair
            if (value := getattr(self, name)) is not None
        }


class FilterRampParams(ApiModel):
    source: ObsName
    filter: ObsName
    settings: Annotated[dict[SettingName, SettingValue], Field(min_length=1, max_length=16)]
    easing: Easing = "ease-in-out"
    animate_ms: AnimateMs = 500


class ReplayParams(ApiModel):
    pass


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


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
    "move": MoveParams,
    "filter-ramp": FilterRampParams,
    "replay": ReplayParams,
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


def _known(model: type[ApiModel]) -> str:
    """The parameters a model takes, as a client names them (camelCase)."""
    names = [field.alias or name for name, field in model.model_fields.items()]
    return ", ".join(names) if names else "none"


def _details(exc: ValidationError, kind: str, model: type[ApiModel]) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        # A check of our own reads as its sentence, without pydantic's "Value error, ".
        message = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
        if err["type"] == "extra_forbidden" and len(err.get("loc", ())) == 1:
            # A name that is no parameter: say which ones there are (a typo, or the wrong kind).
            message = f"no such parameter; a {kind} effect takes {_known(model)}"
        out.append({"field": f"params.{loc}" if loc else "params", "message": message})
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
        details = _details(exc, kind, model)
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
