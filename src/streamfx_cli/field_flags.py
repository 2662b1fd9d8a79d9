"""A server refusal (422 with `details`) told in the flags the user typed.

The server names the API's fields (`colorPalette.primary`, `params.text`); a person typed
`--primary` and `--param text=…`. Each command keeps its own map of fields to flags next
to its options, and wraps its call in `flags_named(MAP)` (docs/CLI.md "Errors name your
flags"). `params.NAME` is `--param NAME` everywhere. Standard library only: `fire` (the
hotkey path) uses it too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .errors import APIError

FlagMap = Mapping[str, str]


def flag_of(field: str, flags: FlagMap) -> str:
    """The flag that sets an API field: the field's own entry, else its nearest parent's
    (`typography.baseSize` under `typography`), `params.NAME` as `--param NAME`, else the
    field as the server named it."""
    if field in flags:
        return flags[field]
    if field.startswith("params."):
        return f"--param {field.removeprefix('params.').split('.')[0]}"
    head = field
    while "." in head:
        head = head.rsplit(".", 1)[0]
        if head in flags:
            return flags[head]
    return field


def in_flags(
    exc: APIError, flags: FlagMap, hint: str | None = None, units: FlagMap | None = None
) -> APIError:
    """`exc` told in flags: the first problem as the message, the others in the hint.

    `units` adds how a field is counted where the flag is written otherwise (`--every 5s`
    is sent as seconds). An error without `details` is returned as it is."""
    details: list[dict[str, Any]] = [d for d in exc.body.get("details") or [] if d]
    if exc.status != 422 or not details:
        return exc
    lines = []
    for detail in details:
        field = str(detail.get("field", ""))
        unit = (units or {}).get(field, "")
        lines.append(f"{flag_of(field, flags)}: {str(detail.get('message')).rstrip('.')}{unit}")
    first = str(details[0].get("field", ""))
    if lines[1:]:
        hint = "Also " + "; ".join(lines[1:]) + "."
    elif first.startswith("params.") and _wants_structure(str(details[0].get("message"))):
        name = first.removeprefix("params.").split(".")[0]
        hint = f"Give it as JSON: --param-json {name}='{{\"key\": 1}}'."
    elif hint is None:
        # The server's hint may point at `details`, which are told here instead.
        told = exc.hint and "details" not in exc.hint
        hint = exc.hint if told else "Fix it and run the command again."
    return APIError(exc.status, exc.code, f"Invalid {lines[0]}.", hint, exc.body)


def _wants_structure(message: str) -> bool:
    """A parameter that takes an object or a list, which `--param` (text) cannot give."""
    return "valid dictionary" in message or "valid list" in message


@contextmanager
def flags_named(
    flags: FlagMap, hint: str | None = None, units: FlagMap | None = None
) -> Iterator[None]:
    """Inside: a 422 about fields comes out told in `flags` (see `in_flags`)."""
    try:
        yield
    except APIError as exc:
        raise in_flags(exc, flags, hint, units) from None
