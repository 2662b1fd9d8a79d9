"""Webhook calls: `POST /api/hooks/{hookId}`, signed with the hook's secret, no sign-in
(docs/RULES.md "Webhooks"; the checks are webhooks.py's, the firing rule_firing.py's)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from .. import rule_firing, rules, webhooks
from ..deps import State
from ..errors import APIError, retry_later
from ..schemas import ApiModel

router = APIRouter(prefix="/api/hooks", tags=["rules"])


class HookAccepted(ApiModel):
    activation_id: str
    rule_id: str
    session_id: str


_REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"description": "No X-StreamFX-Delivery id"},
    401: {"description": "Missing or wrong signature, or a timestamp over 5 minutes off"},
    403: {
        "description": "As for any trigger: the brand kit does not allow the category; "
        "or the rule is beyond its creator's tier's number of rules"
    },
    404: {"description": "No such hook, or its rule is switched off (the same answer)"},
    409: {
        "description": "This delivery id (or this very signed request) was received before; "
        "or, as for any trigger, no live session, or a paused one"
    },
    413: {"description": "The body is over 64 KB"},
    422: {"description": "The body is not a JSON object, or lacks a field a placeholder needs"},
    429: {"description": "Too many calls of this hook (Retry-After), or a cooldown"},
}
# Header names as documented (FastAPI would otherwise turn x_streamfx_timestamp into
# X-Streamfx-Timestamp in the API's description; HTTP header names ignore case anyway).
_TIMESTAMP = Header(alias=webhooks.TIMESTAMP_HEADER)
_SIGNATURE = Header(alias=webhooks.SIGNATURE_HEADER)
_DELIVERY = Header(alias=webhooks.DELIVERY_HEADER)


def _not_found() -> APIError:
    return APIError(404, "not_found", "No webhook here.", hint="Check the hook's URL.")


def _fields(body: bytes) -> dict[str, Any]:
    """The JSON body's fields: an object, or nothing at all."""
    if not body.strip():
        return {}
    try:
        fields = json.loads(body)
    except (ValueError, RecursionError):
        fields = None
    if not isinstance(fields, dict):
        raise APIError(
            422,
            "validation_error",
            "A webhook call's body must be a JSON object (or empty).",
            hint='Send fields like {"user": "ada"}: they fill the rule\'s placeholders.',
            details=[{"field": "body", "message": "not a JSON object"}],
        )
    return fields


@router.post("/{hook_id}", status_code=202, response_model=HookAccepted, responses=_REFUSALS)
async def call_hook(
    hook_id: Annotated[str, Path(max_length=100)],
    request: Request,
    state: State,
    timestamp: Annotated[str | None, _TIMESTAMP] = None,
    signature: Annotated[str | None, _SIGNATURE] = None,
    delivery: Annotated[str | None, _DELIVERY] = None,
) -> JSONResponse:
    """Fire a webhook rule's effect. No user token: the call is signed with the hook's
    secret (docs/RULES.md), and its JSON body's fields fill the rule's placeholders.
    202 with the new activation's id; a refusal answers as a trigger's would."""
    rule = await run_in_threadpool(lambda: rules.by_hook(state.db.conn(), hook_id))
    if rule is None:
        raise _not_found()
    wait = state.hook_calls.reserve(hook_id)
    if wait:
        raise retry_later(429, "rate_limited", "Too many calls of this webhook.", wait)
    body = await request.body()
    now = state.settings.clock.now()
    call = webhooks.read_headers(timestamp, signature, delivery, now.timestamp())
    secret = state.hook_secrets.secret(hook_id, rule["secret_salt"])
    webhooks.check_signature(secret, call, body)
    fields = _fields(body)
    outcome = await rule_firing.fire_webhook(state, rule["id"], hook_id, call, fields)
    if outcome.refusal is not None:
        raise outcome.refusal
    assert outcome.activation is not None
    accepted = HookAccepted(
        activation_id=outcome.activation["id"],
        rule_id=rule["id"],
        session_id=outcome.activation["sessionId"],
    )
    return JSONResponse(accepted.model_dump(by_alias=True), status_code=202)
