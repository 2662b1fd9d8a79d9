"""Strict JSON for everything a client sends: finite numbers only, and a bounded depth.

Python's parser accepts `NaN`, `Infinity` and `-Infinity`, which are not JSON: stored,
they are text SQLite's JSON functions cannot read (every later query over that row
fails), and no JSON client can read them back. It also nests as deep as its recursion
limit allows, and a value nested a few hundred deep parses but then breaks pydantic,
serialising and re-reading. So every request body (`StrictJSONMiddleware`, in front of
every route) and every WebSocket message (`loads`) goes through here first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Deeper than any body of this API (a brand kit is 3 levels) and than any sane
# `settings`, far below what makes the parser, pydantic or SQLite give up.
MAX_DEPTH = 32


class JSONRefused(ValueError):
    """Valid to Python's parser, but not JSON this server accepts. `reason` is
    "non_finite" or "too_deep"; the message is one sentence for a person."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _refuse_constant(name: str) -> Any:
    raise JSONRefused(
        "non_finite", f"{name} is not a JSON number; send finite numbers only (or null)."
    )


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _too_deep() -> JSONRefused:
    return JSONRefused("too_deep", f"The JSON is nested deeper than {MAX_DEPTH} levels.")


def check_depth(value: Any) -> None:
    """Raise `JSONRefused` if arrays and objects nest deeper than MAX_DEPTH (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_DEPTH:
            raise _too_deep()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def loads(text: str | bytes) -> Any:
    """Parse JSON strictly. Raises `JSONRefused` for non-finite numbers or too deep a
    nesting, and `ValueError` (json.JSONDecodeError) for text that is not JSON at all."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")  # a UnicodeDecodeError is a ValueError too
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        # Thousands of brackets: the C parser gave up before we could count them.
        raise _too_deep() from None
    check_depth(value)
    return value


def _is_json_body(scope: Scope) -> bool:
    """True when FastAPI may parse this request's body as JSON: a JSON content type, or
    none at all (a route with `strict_content_type=False` parses those as JSON too)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or (
                kind.startswith(b"application/") and kind.endswith(b"+json")
            )
    return True


class StrictJSONMiddleware:
    """Refuse, with the 422 error envelope, a JSON request body that `loads` refuses.

    The body is read whole here (the body-size limit outside this middleware bounds
    it to the JSON limit), checked, then handed on unchanged. A body that is not JSON
    at all is left to FastAPI, whose own 422 names the position of the mistake. Other
    content types, and `exempt_paths` (the upload route, whose much larger bodies are
    never JSON), are not touched.
    """

    def __init__(self, app: ASGIApp, exempt_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.exempt_paths = exempt_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] in self.exempt_paths
            or not _is_json_body(scope)
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        message: Message = {"type": "http.request", "body": b"", "more_body": True}
        while message["type"] == "http.request" and message.get("more_body", False):
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
        if message["type"] != "http.request":
            # The client went away mid-body: let the app see the disconnect.
            await self.app(scope, _replay([message], receive), send)
            return
        body = b"".join(chunks)
        if body:
            try:
                loads(body)
            except JSONRefused as exc:
                await _refuse(send, exc)
                return
            except ValueError:
                pass  # not JSON at all: FastAPI answers that itself
        await self.app(
            scope,
            _replay([{"type": "http.request", "body": body, "more_body": False}], receive),
            send,
        )


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _refuse(send: Send, exc: JSONRefused) -> None:
    body = {
        "error": f"Invalid body: {exc.message}",
        "code": "validation_error",
        "hint": "Fix the body and try again; nothing was changed.",
        "details": [{"field": "body", "message": exc.message}],
    }
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
