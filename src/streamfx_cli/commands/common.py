"""Small pieces several command groups share: option types, parsing, lookups."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from ..errors import StreamFXError
from ..firing import parse_params

__all__ = ["JsonFlag", "ParamFlag", "live_session", "parse_duration_ms", "parse_params"]

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ParamFlag = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="key=value; values are read as JSON when they parse."),
]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$")


def parse_duration_ms(text: str) -> int:
    """'5s', '1500ms', '2m' or a bare number of seconds -> milliseconds."""
    match = _DURATION.match(text)
    if not match:
        raise StreamFXError(f"{text!r} is not a duration.", "Write it like 5s, 1500ms or 2m.")
    value, unit = float(match.group(1)), match.group(2) or "s"
    return int(value * {"ms": 1, "s": 1000, "m": 60_000}[unit])


def live_session(client: Any) -> dict[str, Any]:
    """The creator's session that has not ended (there is at most one)."""
    for status in ("active", "paused"):
        sessions = client.get("/api/sessions", params={"status": status})
        if sessions:
            return sessions[0]
    raise StreamFXError(
        "There is no live session.", "Start one with `streamfx session start --platform twitch`."
    )
