"""The export file's format, version 1 (docs/EXPORT.md): what `GET /api/export` writes and
`POST /api/import` reads, as pydantic models, and the check of its header.

Every record carries `id`: the row's id where it was first made (an imported row keeps
its original's), and the references between records (`brandKitId`, `effectId`) use
those ids, so a file names the same kit, effect, session or activation whichever
server it was exported from. Times are ISO 8601 in UTC with milliseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from streamfx_wire.kinds import Kind
from streamfx_wire.vocabulary import (
    Category,
    DeliveryStatus,
    Platform,
    QueueMode,
    SessionStatus,
    Source,
)

from .brand_kits import Categories, KitName, Motion, Palette, Typography
from .effect_keys import FIRST_KEY, LAST_KEY
from .effects import Cooldown, Duration, EffectName, MaxDelay
from .errors import APIError
from .infra.ids import iso
from .schemas import ApiModel
from .sessions import Metrics

EXPORT_FORMAT: Final = "streamfx-export"
EXPORT_VERSION: Final = 1

RecordId = Annotated[str, Field(min_length=1, max_length=100)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Note = Annotated[str, Field(max_length=500)]


def _in_range(moment: datetime) -> datetime:
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None
    if utc.year < 1970:
        raise ValueError("is before 1970")
    return utc


# A moment with its offset, from 1970 on: times are stored as UTC text and milliseconds.
At = Annotated[AwareDatetime, AfterValidator(_in_range)]
# Counts and sizes a database integer holds with room to spare.
Whole = Annotated[int, Field(ge=0, le=10**15)]


def stamp(moment: datetime) -> str:
    """A time as the database keeps it (infra/ids.iso): one fixed-width UTC form, so text
    order is time order, whatever offset the file wrote it with."""
    return iso(moment.astimezone(UTC))


class KitRecord(ApiModel):
    id: RecordId
    name: KitName
    color_palette: Palette
    typography: Typography
    motion_intensity: Motion
    allowed_categories: Categories
    created_at: At
    updated_at: At


class AssetRecord(ApiModel):
    """An uploaded file, described: the bytes are not in the export."""

    sha256: Sha256
    content_type: Annotated[str, Field(max_length=100)]
    size: Whole
    original_name: Annotated[str, Field(max_length=255)] | None = None


class EffectRecord(ApiModel):
    """One of the creator's own effects (built-ins are on every server)."""

    id: RecordId
    slug: Annotated[str, Field(max_length=100)]
    name: EffectName
    category: Category
    kind: Kind
    params: dict[str, Any]
    duration_ms: Duration
    cooldown_ms: Cooldown
    queue_mode: QueueMode
    max_delay_ms: MaxDelay
    created_at: At
    asset: AssetRecord | None = None
    # The panel's number key it had (docs/PANEL.md "Keys"); absent in files from before keys.
    key: Annotated[int, Field(ge=FIRST_KEY, le=LAST_KEY)] | None = None


class DeliveryRecord(ApiModel):
    """docs/AGENT.md "Delivery record", as stored."""

    status: DeliveryStatus
    reason: Note | None = None
    agent_id: Annotated[str, Field(max_length=100)] | None = None
    drawn_at: At | None = None
    latency_ms: Whole | None = None


class ActivationRecord(ApiModel):
    id: RecordId
    effect_id: RecordId
    triggered_at: At
    source: Source
    rule_id: RecordId | None = Field(
        default=None,
        description="The rule that fired it (source `rule`, docs/RULES.md); a label: the "
        "rule need not exist on the server it is imported into.",
    )
    render: dict[str, Any] = Field(description="As it was drawn; see docs/RENDER.md.")
    delivery: DeliveryRecord
    params: dict[str, Any] | None = Field(
        default=None, description="The trigger's parameters, for firing it again (absent: none)."
    )


class PauseRecord(ApiModel):
    start: At
    end: At


class SessionRecord(ApiModel):
    id: RecordId
    platform: Platform
    status: SessionStatus
    brand_kit_id: RecordId | None = None
    title: Annotated[str, Field(max_length=140)] | None = None
    start_time: At
    end_time: At | None = None
    paused_seconds: Annotated[float, Field(ge=0, le=1e12)] = 0
    paused_spans: list[PauseRecord] = Field(
        default_factory=list,
        max_length=100_000,
        description="Each pause, for the report's timeline (absent in older files: unplaced).",
    )
    metrics: Metrics
    activations: list[ActivationRecord] = Field(
        default_factory=list, description="All of them in an export; a part of them in a part."
    )

    @model_validator(mode="after")
    def _times_in_order(self) -> SessionRecord:
        if self.status == "ended" and self.end_time is None:
            raise ValueError("an ended session has an endTime")
        if self.end_time is not None and self.end_time < self.start_time:
            raise ValueError("endTime is before startTime")
        return self


class Counts(ApiModel):
    brand_kits: Whole
    effects: Whole
    sessions: Whole
    activations: Whole


class ExportedBy(ApiModel):
    """Whose data it is: for a reader; an import goes to whoever is signed in."""

    id: RecordId
    display_name: Annotated[str, Field(max_length=200)]


class ExportPart(ApiModel):
    """A whole export, or a part of one (docs/EXPORT.md "Import"): any subset of the
    records, with the header. A part with activations carries their session too."""

    format: Annotated[str, Field(max_length=100)] = Field(description=f'"{EXPORT_FORMAT}"')
    version: int = Field(description=f"{EXPORT_VERSION} for this server.")
    exported_at: At | None = None
    counts: Counts | None = None
    creator: ExportedBy | None = None
    brand_kits: list[KitRecord] = Field(default_factory=list)
    effects: list[EffectRecord] = Field(default_factory=list)
    sessions: list[SessionRecord] = Field(default_factory=list)


def check_header(part: ExportPart) -> None:
    """422 for a file that is not an export, or one of a version this server cannot read."""
    if part.format != EXPORT_FORMAT:
        raise APIError(
            422,
            "not_an_export",
            f'This is not a StreamFX export: its "format" is not "{EXPORT_FORMAT}".',
            hint="Import a file made by `streamfx export`.",
        )
    if part.version > EXPORT_VERSION:
        raise APIError(
            422,
            "export_too_new",
            f"This export is version {part.version}, made by a newer StreamFX; "
            f"this server reads version {EXPORT_VERSION}.",
            hint="Update StreamFX on this server, then import it again.",
            extra={"version": part.version, "supported": EXPORT_VERSION},
        )
    if part.version < 1:
        raise APIError(
            422,
            "not_an_export",
            f"This export's version ({part.version}) is not one StreamFX ever wrote.",
            hint="Import a file made by `streamfx export`.",
        )
