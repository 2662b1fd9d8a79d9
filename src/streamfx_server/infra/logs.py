"""Logging set-up that keeps secrets out of the server log."""

from __future__ import annotations

import logging
import re
from typing import Any

_SECRET_QUERY = re.compile(r"((?:key|token|access_token|refresh_token)=)[^&\s\"]+", re.IGNORECASE)
# Handshake headers that carry credentials, as websockets logs them at debug ("< name: value").
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_DATA_OPCODES = frozenset({"TEXT", "BINARY", "CONT"})


def redact(text: str) -> str:
    return _SECRET_QUERY.sub(r"\1[redacted]", text)


def _redact_arg(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    # A websockets Frame, logged at debug as "< TEXT '{…token…}'": its payload shows the
    # start and the end of the message, which holds the access token or overlay key of
    # an auth message. Log its kind and size only.
    opcode = getattr(value, "opcode", None)
    if getattr(opcode, "name", None) in _DATA_OPCODES and hasattr(value, "data"):
        return f"{opcode.name} [{len(value.data)} bytes, not logged]"
    return value


class RedactQuerySecrets(logging.Filter):
    """Keep credentials out of uvicorn's and websockets' log lines.

    uvicorn's access log prints the path with its query string (`/overlay?key=…`), and at
    debug level websockets prints WebSocket handshake headers and message payloads.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            args = tuple(_redact_arg(a) for a in record.args)
            if (
                len(args) == 2
                and record.msg in ("< %s: %s", "> %s: %s")
                and str(args[0]).lower() in _SECRET_HEADERS
            ):
                args = (args[0], "[redacted]")
            record.args = args
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_redaction() -> None:
    for name in ("uvicorn.access", "uvicorn.error", "streamfx.server"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQuerySecrets) for f in logger.filters):
            logger.addFilter(RedactQuerySecrets())
