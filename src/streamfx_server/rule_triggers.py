"""What makes a rule fire (DESIGN.md section 14, docs/RULES.md "Triggers"): the four trigger
types as the API takes them, the fields each one provides, and the `{field}` placeholders
of a rule's params filled from them.

- `timer`: every `everySeconds` of live time, first after `offsetSeconds`; provides
  `count` (1 for the first tick of a session), `liveSeconds` and `sessionId`.
- `session`: `on` started, paused, resumed or ended; provides `event`, `sessionId`,
  `title`, `platform` and `liveSeconds`.
- `obs`: an event the OBS agent reports (`fire_rule_event` in rule_firing.py); provides
  `event`, and `scene` (sceneChanged), `input` (mediaEnded) or `path` (replaySaved,
  recordingStopped).
- `webhook`: a signed `POST /api/hooks/{hookId}`; provides the JSON body's top-level
  fields, whatever they are, so its placeholders are checked when it is called.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

from pydantic import Field, ValidationInfo, field_validator

from .effect_params import ObsName
from .errors import name_union_tags
from .schemas import ApiModel

MIN_EVERY_SECONDS: Final = 5
MAX_TIMER_SECONDS: Final = 24 * 3600

SessionEvent = Literal["started", "paused", "resumed", "ended"]
ObsEvent = Literal[
    "sceneChanged",
    "streamStarted",
    "streamStopped",
    "recordingStarted",
    "recordingStopped",
    "replaySaved",
    "mediaEnded",
]


class TimerTrigger(ApiModel):
    type: Literal["timer"]
    every_seconds: Annotated[int, Field(ge=MIN_EVERY_SECONDS, le=MAX_TIMER_SECONDS)]
    offset_seconds: Annotated[int, Field(ge=0, le=MAX_TIMER_SECONDS)] | None = Field(
        default=None,
        description="Live seconds before the first tick; omitted: one everySeconds.",
    )

    @property
    def first_mark(self) -> float:
        return float(self.every_seconds if self.offset_seconds is None else self.offset_seconds)


class SessionTrigger(ApiModel):
    type: Literal["session"]
    on: SessionEvent


class ObsTrigger(ApiModel):
    type: Literal["obs"]
    event: ObsEvent
    scene: ObsName | None = Field(
        default=None, description="sceneChanged only: fire for this scene only (omitted: any)."
    )
    input: ObsName | None = Field(
        default=None, description="mediaEnded only: fire for this input only (omitted: any)."
    )

    @field_validator("scene")
    @classmethod
    def _scene_only_for_scene_changes(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("event") != "sceneChanged":
            raise ValueError("scene applies only to the sceneChanged event")
        return value

    @field_validator("input")
    @classmethod
    def _input_only_for_media_ends(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("event") != "mediaEnded":
            raise ValueError("input applies only to the mediaEnded event")
        return value

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether an event the agent reported is one this trigger waits for."""
        if event.get("event") != self.event:
            return False
        if self.scene is not None and event.get("scene") != self.scene:
            return False
        return self.input is None or event.get("input") == self.input


class WebhookTrigger(ApiModel):
    type: Literal["webhook"]


TRIGGER_TYPES: Final = ("timer", "session", "obs", "webhook")
Trigger = Annotated[
    TimerTrigger | SessionTrigger | ObsTrigger | WebhookTrigger, Field(discriminator="type")
]
name_union_tags("trigger", TRIGGER_TYPES)

# What each trigger provides, with a value of the right type: the samples a rule's
# params are checked with when it is saved (docs/RULES.md "Placeholders").
_TIMER_FIELDS: Final[dict[str, Any]] = {"count": 1, "liveSeconds": 60, "sessionId": "ss_sample"}
_SESSION_FIELDS: Final[dict[str, Any]] = {
    "event": "started",
    "sessionId": "ss_sample",
    "title": "Sample stream",
    "platform": "twitch",
    "liveSeconds": 0,
}
_OBS_EVENT_FIELDS: Final[dict[str, dict[str, Any]]] = {
    "sceneChanged": {"scene": "Scene"},
    "mediaEnded": {"input": "Media Source"},
    "replaySaved": {"path": "Replay 2024-01-01 12-00-00.mkv"},
    "recordingStopped": {"path": "2024-01-01 12-00-00.mkv"},
}


def sample_fields(trigger: Any) -> dict[str, Any] | None:
    """The fields `trigger` provides, with sample values; None: any (a webhook's body)."""
    if isinstance(trigger, TimerTrigger):
        return dict(_TIMER_FIELDS)
    if isinstance(trigger, SessionTrigger):
        return {**_SESSION_FIELDS, "event": trigger.on}
    if isinstance(trigger, ObsTrigger):
        return {"event": trigger.event, **_OBS_EVENT_FIELDS.get(trigger.event, {})}
    return None


# `{name}` is a placeholder; `{{` and `}}` are a literal brace.
_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]{0,63})\}")
_WHOLE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]{0,63})\}$")


@dataclass(frozen=True)
class Placeholder:
    """A `{field}` in the params: where (`params.text`) and which field."""

    where: str
    field: str


def placeholders(params: Mapping[str, Any]) -> list[Placeholder]:
    """Every placeholder in `params` (strings, and strings inside lists and objects)."""
    found: list[Placeholder] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, str):
            found.extend(
                Placeholder(where, m.group(1)) for m in _TOKEN.finditer(value) if m.group(1)
            )
        elif isinstance(value, Mapping):
            for key, item in value.items():
                walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}.{index}")

    for key, value in params.items():
        walk(value, f"params.{key}")
    return found


def whole_placeholder_keys(params: Mapping[str, Any]) -> set[str]:
    """The params keys whose value is a single placeholder and nothing else."""
    return {key for key, value in params.items() if isinstance(value, str) and _WHOLE.match(value)}


class MissingFields(ValueError):
    """Placeholders naming fields the trigger did not give."""

    def __init__(self, missing: list[Placeholder]) -> None:
        self.missing = missing
        first = missing[0]
        super().__init__(
            f"The trigger gave no {first.field!r} for the {{{first.field}}} placeholder "
            f"in {first.where}."
        )


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"))


def fill(params: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """`params` with each placeholder replaced by its field's value. A string that is one
    placeholder and nothing else takes the value as it is (a number stays a number);
    inside text, the value is written as text. Raises MissingFields, naming every
    placeholder whose field is not in `fields`."""
    missing = [p for p in placeholders(params) if p.field not in fields]
    if missing:
        raise MissingFields(missing)

    def text(value: str) -> Any:
        whole = _WHOLE.match(value)
        if whole:
            return fields[whole.group(1)]

        def one(match: re.Match[str]) -> str:
            token = match.group(0)
            if token in ("{{", "}}"):
                return token[0]
            return _as_text(fields[match.group(1)])

        return _TOKEN.sub(one, value)

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return text(value)
        if isinstance(value, Mapping):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return {key: walk(value) for key, value in params.items()}
