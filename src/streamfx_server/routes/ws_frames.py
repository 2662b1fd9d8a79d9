"""The WebSocket's frames: parsing what clients send, and the HTTP error envelope as a message.

Every failure answers `{"type": "error", "error", "code", "httpStatus", "hint"?,
"details"?, "id"?}`: the body HTTP would have sent, with the status it would have had.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, StrictInt, StrictStr, ValidationError

from streamfx_wire import live as wire

from ..errors import APIError, validation_details
from ..infra.strict_json import JSONRefused, loads

MAX_ID_LENGTH = 128

MessageId = Annotated[StrictStr, Field(max_length=MAX_ID_LENGTH)] | StrictInt | None


def error(
    code: str,
    message: str,
    status: int = 400,
    msg_id: Any = None,
    *,
    hint: str | None = None,
    details: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The HTTP error envelope as a message; `httpStatus` is what HTTP would have answered."""
    body: dict[str, Any] = {
        "type": wire.ERROR,
        "error": message,
        "code": code,
        "httpStatus": status,
    }
    if hint:
        body["hint"] = hint
    if details:
        body["details"] = details
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    if msg_id is not None:
        body["id"] = msg_id
    return body


def api_error(exc: APIError, msg_id: Any = None) -> dict[str, Any]:
    return error(
        exc.code,
        exc.message,
        exc.status,
        msg_id,
        hint=exc.hint,
        details=exc.details,
        extra=exc.extra,
    )


def invalid(exc: ValidationError, msg_id: Any = None) -> dict[str, Any]:
    """A message that does not fit its model: `validation_error` (422), nothing changed."""
    details = validation_details(exc.errors())
    first = details[0]
    return error(
        "validation_error",
        f"Invalid {first['field']}: {first['message']}.",
        422,
        msg_id,
        details=details,
        hint="Fix the fields listed in details and try again.",
    )


INVALID = object()


def parse(message: Mapping[str, Any]) -> Any:
    """The JSON in a text frame, or `INVALID` (binary frame, or not JSON); raises
    `JSONRefused` for JSON this server refuses (NaN, Infinity, too deep)."""
    text = message.get("text")
    if text is None:
        return INVALID
    try:
        return loads(text)
    except JSONRefused:
        raise
    except ValueError:
        return INVALID


def refused(exc: JSONRefused, msg_id: Any = None) -> dict[str, Any]:
    if exc.reason == "too_deep":
        return error(
            "invalid_message",
            f"That message is not accepted: {exc.message}",
            400,
            msg_id,
            hint="Send flat JSON objects as described in the protocol.",
        )
    return error(
        "validation_error",
        f"Invalid message: {exc.message}",
        422,
        msg_id,
        hint="Fix the message and send it again; nothing was changed.",
    )


def message_id(payload: dict[str, Any]) -> Any:
    value = payload.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and len(value) <= MAX_ID_LENGTH):
        return value
    return None
