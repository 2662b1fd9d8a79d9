"""One error envelope for every failure: {"error", "code", "hint"?, "details"?}."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .infra.security_headers import HEADERS as SECURITY_HEADERS

log = logging.getLogger("streamfx.server")

BEARER = {"WWW-Authenticate": "Bearer"}


class APIError(Exception):
    """An error a client can act on. `message` is one sentence for a person."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        hint: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
        self.details = details
        self.headers = dict(headers or {})
        self.extra = extra or {}
        if status == 401:
            self.headers.update(BEARER)


def retry_later(status: int, code: str, message: str, wait: int) -> APIError:
    """A refusal to retry after `wait` seconds: 429 or 503, with Retry-After and `retryAfter`."""
    return APIError(
        status,
        code,
        message,
        hint=f"Try again in {wait} seconds.",
        headers={"Retry-After": str(wait)},
        extra={"retryAfter": wait},
    )


def not_found(what: str) -> APIError:
    return APIError(
        404, "not_found", f"No {what} with that id.", hint="Check the id and that you own it."
    )


def unauthorized(
    message: str = "Sign in to continue.",
    code: str = "unauthorized",
    hint: str = "Run `streamfx login`.",
) -> APIError:
    return APIError(401, code, message, hint=hint)


def envelope(
    status: int,
    code: str,
    message: str,
    *,
    hint: str | None = None,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"error": message, "code": code}
    if hint:
        body["hint"] = hint
    if details:
        body["details"] = details
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers)


_HTTP_CODES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthorized", "Sign in to continue."),
    403: ("forbidden", "You are not allowed to do that."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "That content type is not accepted here."),
}


# Fields that hold a union told apart by its `type` (pydantic's discriminated unions):
# pydantic puts the member's tag in an error's location (`trigger.timer.everySeconds`),
# which is no field a client sent; it is left out (`trigger.everySeconds`).
_TAGGED: dict[str, frozenset[str]] = {}


def name_union_tags(field: str, tags: Sequence[str]) -> None:
    """Leave the tags of the union in `field` out of error locations (see _TAGGED)."""
    _TAGGED[field] = frozenset(tags)


def _field_name(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    parts = [
        part
        for i, part in enumerate(parts)
        if not (i > 0 and part in _TAGGED.get(parts[i - 1], ()))
    ]
    return ".".join(parts) or "body"


def _message(error: Mapping[str, Any]) -> str:
    # A check of our own reads as its sentence, without pydantic's "Value error, ".
    ctx = error.get("ctx", {})
    if error.get("type") == "value_error" and "error" in ctx:
        return str(ctx["error"])
    # A union told apart by a field (a rule's trigger `type`): which values it takes.
    if error.get("type") == "union_tag_invalid":
        return f"unknown {ctx['discriminator'].strip(chr(39))} {ctx['tag']!r}: use one of {ctx['expected_tags']}"
    if error.get("type") == "union_tag_not_found":
        return f"{ctx['discriminator'].strip(chr(39))} is required"
    return str(error.get("msg", "invalid"))


def validation_details(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        # A body that is not JSON is located at a character offset, which is not a field.
        {
            "field": "body" if e.get("type") == "json_invalid" else _field_name(e.get("loc", ())),
            "message": _message(e),
        }
        for e in errors
    ]


def document_error_bodies(app: FastAPI) -> None:
    """Give every error response declared in /openapi.json the envelope's schema.

    Routes declare their 4xx answers with a description only; without a schema, clients
    and contract tests could not know that the body is `ErrorBody`.
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            envelope_ref = {"$ref": "#/components/schemas/ErrorBody"}
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        if status[:1] in ("4", "5") and "content" not in response:
                            response["content"] = {"application/json": {"schema": envelope_ref}}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def _api_error(_: Request, exc: APIError) -> JSONResponse:
        return envelope(
            exc.status,
            exc.code,
            exc.message,
            hint=exc.hint,
            details=exc.details,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_CODES.get(exc.status_code, ("error", "The request failed."))
        headers = dict(exc.headers or {})
        if exc.status_code == 401:
            headers.update(BEARER)
        return envelope(exc.status_code, code, message, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        first = details[0] if details else {"field": "body", "message": "invalid"}
        message = f"Invalid {first['field']}: {first['message']}."
        return envelope(
            422,
            "validation_error",
            message,
            details=details,
            hint="Fix the fields listed in details and try again.",
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged with the path only: query strings may carry an overlay key.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return envelope(
            500,
            "internal_error",
            "Something went wrong on the server.",
            hint="See the server log; this is a bug worth reporting.",
            # Answered outside every middleware, so the security headers are added here.
            headers=SECURITY_HEADERS,
        )
