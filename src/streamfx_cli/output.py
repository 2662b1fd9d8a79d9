"""Printing for the CLI: plain lines on the hot path, JSON for scripts, errors on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any


def say(text: str) -> None:
    print(text, flush=True)


def plural(count: int, word: str) -> str:
    """`1 session`, `2 sessions`."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def warn(text: str) -> None:
    print(f"warning: {text}", file=sys.stderr, flush=True)


def error(message: str, hint: str | None = None) -> None:
    print(f"error: {message}", file=sys.stderr)
    if hint:
        print(f"hint: {hint}", file=sys.stderr)
    sys.stderr.flush()


def emit_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True), flush=True)
