"""The effects catalogue, creating and deleting effects, uploads, and firing them."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field, ValidationError

from streamfx_wire.kinds import ASSET_KINDS
from streamfx_wire.vocabulary import (
    CATEGORIES,
    DEFAULT_MAX_DELAY_MS,
    DEFAULT_QUEUE_MODE,
    MAX_MAX_DELAY_MS,
    QUEUE_MODES,
    Category,
    ClientSource,
    QueueMode,
)

from .. import agent_status, assets, effects, event_log, render_catalogue, replays, uploads
from ..activations import ActivationOut, DeliveryReport
from ..agent_status import AgentRef
from ..deps import DB, Creator, CurrentClaims, CurrentCreator, State, require_tier
from ..effects import (
    Cooldown,
    Duration,
    EffectCreate,
    EffectKeyIn,
    EffectKeyOut,
    EffectName,
    EffectOut,
    EffectUpdate,
    MaxDelay,
    NewEffect,
)
from ..errors import APIError, validation_details
from ..render_catalogue import PreviewIn, PreviewOut, RendersOut
from ..schemas import ApiModel
from ..state import AppState
from ..tiers import upload_cap
from ..triggering import IdempotencyKey, fire_async

router = APIRouter(prefix="/api/effects", tags=["effects"])

_NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such effect, or it belongs to someone else"}
}


class TriggerIn(ApiModel):
    effect_id: Annotated[str, Field(min_length=1, max_length=100, description="Id or slug.")]
    session_id: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="Omitted: the creator's live session."
    )
    params: dict[str, Any] = Field(default_factory=dict)
    source: ClientSource = "api"
    idempotency_key: IdempotencyKey | None = Field(
        default=None,
        description="Unique per creator: a repeat returns the first activation (200) "
        "and records nothing.",
    )
    occurred_at: AwareDatetime | None = Field(
        default=None,
        description="A journal replay (docs/AGENT.md): when the fire happened, ISO 8601 with a "
        "time zone, in the last 24 hours and at most 5 s ahead; only with idempotencyKey. "
        "Recorded at that moment, in the session live then, without the cooldown check.",
    )
    delivery: DeliveryReport | None = Field(
        default=None,
        description="Only with occurredAt: what the agent saw when it drew it, as "
        "POST /api/activations/{id}/delivery takes it; the activation is born with it.",
    )


class TriggerOut(ActivationOut):
    """The new activation, and who draws it."""

    agent: AgentRef | None = Field(
        description="The agent holding a drawing lease at this moment (the oldest holding, "
        "if several); null when none is connected (docs/AGENT.md, Lease)."
    )


class UploadFields(ApiModel):
    name: EffectName
    category: Category
    kind: Literal["image", "media"]
    duration_ms: Duration | None = None
    cooldown_ms: Cooldown = 0
    queue_mode: QueueMode = DEFAULT_QUEUE_MODE
    max_delay_ms: MaxDelay = DEFAULT_MAX_DELAY_MS


_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "name", "category", "kind"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "name": {"type": "string", "minLength": 1, "maxLength": 80},
                    "category": {"type": "string", "enum": list(CATEGORIES)},
                    "kind": {"type": "string", "enum": list(ASSET_KINDS)},
                    "durationMs": {"type": "integer", "minimum": 0},
                    "cooldownMs": {"type": "integer", "minimum": 0},
                    "queueMode": {"type": "string", "enum": list(QUEUE_MODES)},
                    "maxDelayMs": {"type": "integer", "minimum": 0, "maximum": MAX_MAX_DELAY_MS},
                },
            }
        }
    },
}


@router.get("", response_model=list[EffectOut])
def list_effects(
    creator: CurrentCreator, db: DB, category: Annotated[Category | None, Query()] = None
) -> list[EffectOut]:
    return effects.listing(db.conn(), creator.id, category)


# Before "/{effect_id}", which would take "renders" for an effect's id or slug.
@router.get("/renders", response_model=RendersOut)
def effect_renders(creator: CurrentCreator, db: DB) -> RendersOut:
    """The render each effect would get if fired now with no params (docs/RENDER.md), for the
    OBS agent to cache and draw from while the server is down (docs/AGENT.md). Records
    nothing: no activation, no cooldown, no metrics."""
    return render_catalogue.renders_now(db.conn(), creator.id)


@router.get("/{effect_id}", response_model=EffectOut, responses=_NOT_YOURS)
def get_effect(effect_id: str, creator: CurrentCreator, db: DB) -> EffectOut:
    return effects.effect_out(effects.get(db.conn(), creator.id, effect_id))


@router.post(
    "/{effect_id}/preview",
    response_model=PreviewOut,
    responses={
        404: {"description": "No such effect or brand kit, or it belongs to someone else"},
        422: {"description": "Params a trigger would refuse (invalid_params)"},
    },
)
def preview_effect(effect_id: str, body: PreviewIn, creator: CurrentCreator, db: DB) -> PreviewOut:
    """The render the effect would get if fired with these params under this brand kit, for
    `streamfx preview` (docs/EFFECTS.md "Previews"). Records nothing: no activation, no
    cooldown, no metrics, nothing pushed to the overlay or an agent."""
    return render_catalogue.preview(db.conn(), creator.id, effect_id, body)


@router.post(
    "",
    status_code=201,
    response_model=EffectOut,
    responses={
        403: {"description": "The tier's custom effect limit is reached"},
        409: {"description": "The name is taken"},
    },
)
def create_effect(body: EffectCreate, creator: CurrentCreator, state: State) -> EffectOut:
    new = NewEffect(
        name=body.name,
        category=body.category,
        kind=body.kind,
        params=effects.params_or_422(body.kind, body.params),
        duration_ms=body.duration_ms,
        cooldown_ms=body.cooldown_ms,
        queue_mode=body.queue_mode,
        max_delay_ms=body.max_delay_ms,
    )
    with event_log.write(state.db, state.hub) as tx:
        out = effects.add(tx.conn, creator.id, creator.tier, new)
        tx.push(creator.id, effects.updated_event(out))
    return out


@router.patch(
    "/{effect_id}",
    response_model=EffectOut,
    responses={
        **_NOT_YOURS,
        403: {"description": "Built-in effects cannot be changed"},
        409: {"description": "The new name is taken"},
    },
)
def update_effect(
    effect_id: str, body: EffectUpdate, creator: CurrentCreator, state: State
) -> EffectOut:
    with event_log.write(state.db, state.hub) as tx:
        out = effects.update(tx.conn, creator.id, effect_id, body)
        tx.push(creator.id, effects.updated_event(out))
    return out


@router.put(
    "/{effect_id}/key",
    response_model=EffectKeyOut,
    responses={**_NOT_YOURS, 422: {"description": "The key is not 1-9 or null"}},
)
def set_effect_key(
    effect_id: str, body: EffectKeyIn, creator: CurrentCreator, state: State
) -> EffectKeyOut:
    """Give the effect (built-ins too: a creator's keys are their own) the panel's number
    key `key`, moving it from the effect that held it (`movedFrom`, now without a key),
    or free its key with null (docs/PANEL.md "Keys")."""
    with event_log.write(state.db, state.hub) as tx:
        out = effects.set_key(tx.conn, creator.id, effect_id, body.key)
        if out.moved_from is not None:
            tx.push(creator.id, effects.updated_event(out.moved_from))
        tx.push(creator.id, effects.updated_event(out.effect))
    return out


@router.delete(
    "/{effect_id}",
    status_code=204,
    response_class=Response,
    responses={**_NOT_YOURS, 403: {"description": "Built-in effects cannot be deleted"}},
)
def delete_effect(effect_id: str, creator: CurrentCreator, state: State) -> Response:
    with event_log.write(state.db, state.hub) as tx:
        row = effects.remove(tx.conn, creator.id, effect_id)
        if row["asset_id"]:
            assets.release(tx.conn, row["asset_id"], state.settings.assets_dir)
        gone = effects.effect_out(row).model_copy(update={"key": None})
        tx.push(creator.id, effects.updated_event(gone, deleted=True))
    return Response(status_code=204)


@router.post(
    "/trigger",
    status_code=201,
    response_model=TriggerOut,
    responses={
        200: {"description": "A repeated idempotencyKey: the first activation, unchanged"},
        403: {"description": "The brand kit does not allow this category"},
        404: {"description": "Unknown effect, or a session that is not yours"},
        409: {"description": "The session is paused or ended (at occurredAt, for a replay)"},
        422: {"description": "Invalid fields, or occurredAt outside the last 24 hours"},
        429: {"description": "The effect is cooling down (see retryAfterMs)"},
    },
)
async def trigger_effect(body: TriggerIn, claims: CurrentClaims, state: State) -> JSONResponse:
    """Fire an effect now, or record one the OBS agent drew while the server was down.

    With `occurredAt` (and its `idempotencyKey`), the fire is a journal replay
    (docs/AGENT.md "The local socket and server-down fires"): recorded at that moment,
    in the session that was live then, without the cooldown check, and with the
    agent's `delivery` if given; a repeated key returns the first activation (200)."""
    _check_replay_fields(body)
    # On the event loop: the trigger's database work (the sign-in check included)
    # waits in the group-commit writer, not in a worker thread.
    fired = await fire_async(
        state,
        claims,
        body.effect_id,
        body.session_id,
        body.params,
        body.source,
        body.idempotency_key,
        replays.replay_of(body.occurred_at, body.delivery),
    )
    # Who draws it (docs/AGENT.md "Lease"): the holder at this moment, or None.
    agent = agent_status.ref_of(state.agent_leases.first_holder(claims.creator_id))
    # Already plain JSON data: skip a second validation pass on the hot path.
    return JSONResponse(
        {**fired.activation, "agent": agent}, status_code=200 if fired.repeated else 201
    )


def _check_replay_fields(body: TriggerIn) -> None:
    """occurredAt only with idempotencyKey (a replay is recorded once), and delivery only
    with occurredAt (a live fire is reported after it is drawn)."""
    if body.occurred_at is not None and body.idempotency_key is None:
        raise _unpaired(
            "occurredAt",
            "occurredAt is accepted only together with idempotencyKey.",
            "Send the journal entry's idempotencyKey with it, so the fire is recorded once.",
        )
    if body.delivery is not None and body.occurred_at is None:
        raise _unpaired(
            "delivery",
            "delivery is accepted only with occurredAt, in a journal replay.",
            "Report a live fire's delivery with POST /api/activations/{id}/delivery.",
        )


def _unpaired(field: str, message: str, hint: str) -> APIError:
    return APIError(
        422, "validation_error", message, hint=hint, details=[{"field": field, "message": message}]
    )


@router.post(
    "/upload",
    status_code=201,
    response_model=EffectOut,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        403: {"description": "Uploads need the creator tier, or the effect limit is reached"},
        409: {"description": "The name is taken"},
        413: {"description": "The file is over the tier's cap"},
        415: {"description": "Not an accepted image, video or audio file"},
    },
)
async def upload_effect(
    request: Request,
    state: State,
    creator: Annotated[Creator, Depends(require_tier("creator"))],
) -> EffectOut:
    def precheck(fields: dict[str, str]) -> None:
        # Refuse a taken name or a full quota before the file is read, when the fields came first.
        try:
            parsed = UploadFields.model_validate(fields)
        except ValidationError:
            return  # judged after the whole body is read
        effects.check_can_add(
            state.db.conn(), creator.id, creator.tier, effects.slugify(parsed.name)
        )

    received = await uploads.receive(
        request,
        state.settings.assets_dir,
        tier=creator.tier,
        cap=upload_cap(creator.tier),
        on_file_start=precheck,
    )
    try:
        return await run_in_threadpool(_store_upload, state, creator, received)
    finally:
        received.discard()


def _store_upload(state: AppState, creator: Creator, received: uploads.Received) -> EffectOut:
    try:
        fields = UploadFields.model_validate(received.fields)
    except ValidationError as exc:
        details = validation_details(exc.errors())
        raise APIError(
            422,
            "validation_error",
            f"Invalid {details[0]['field']}: {details[0]['message']}.",
            details=details,
            hint="Fix the fields listed in details and try again.",
        ) from None
    if not uploads.kind_accepts(fields.kind, received.content_type):
        wanted = "an image (PNG, JPEG, GIF or WebP)" if fields.kind == "image" else "video or audio"
        raise uploads.unsupported(
            f"A {fields.kind} effect needs {wanted}, but this file is {received.content_type}."
        )
    uploads.sync_to_disk(received)
    new = NewEffect(
        name=fields.name,
        category=fields.category,
        kind=fields.kind,
        params={},
        duration_ms=fields.duration_ms,
        cooldown_ms=fields.cooldown_ms,
        queue_mode=fields.queue_mode,
        max_delay_ms=fields.max_delay_ms,
    )
    directory = state.settings.assets_dir
    with event_log.write(state.db, state.hub) as tx:
        effects.check_can_add(tx.conn, creator.id, creator.tier, new.slug)
        file_name = uploads.place(received, directory)
        asset_id = assets.record(tx.conn, creator.id, received, file_name)
        out = effects.add(tx.conn, creator.id, creator.tier, replace(new, asset_id=asset_id))
        tx.push(creator.id, effects.updated_event(out))
    return out
