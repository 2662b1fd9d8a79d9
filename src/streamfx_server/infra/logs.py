"""Logging set-up that keeps secrets out of the server log, at every log level.

What can carry a credential into a log line, and what is done about it:

- query strings (`/overlay?key=…`), in uvicorn's access log and, at `--log-level
  trace`, in the ASGI scope that `uvicorn.asgi` prints (there as bytes). A parameter
  is matched by its name after percent-decoding (`?k%65y=` is `key` to the app), in
  any case, in text and in bytes;
- WebSocket handshake headers and message payloads, which websockets prints at debug;
- the values themselves, wherever they appear (a token pasted into a path, a
  traceback): anything shaped like an access token, refresh token, overlay key, or a
  webhook's hook id (in the path of every call, `/api/hooks/sfh_…`) or secret.

`install_redaction` puts the filter on every handler (so on every logger whose
records reach one, `uvicorn.asgi` included) and on the loggers that uvicorn and this
server log to.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote_plus

# Query parameters that carry a credential, compared after percent-decoding and
# lower-casing (the app reads `key` and tokens; the rest are what clients misplace).
_SECRET_PARAMS = frozenset(
    {
        "key",
        "overlay_key",
        "overlaykey",
        "token",
        "access_token",
        "accesstoken",
        "refresh_token",
        "refreshtoken",
        "password",
    }
)
# A name=value pair in a query string; the name may be percent-encoded.
_PAIR = re.compile(r"(?P<name>[A-Za-z0-9_.~%+\-]{1,64})=(?P<value>[^&\s\"'#<>]+)")
# Credentials by their shape: access tokens (JWT), refresh tokens, overlay keys, and
# webhook rules' hook ids (a capability: whoever has the URL may call it) and secrets.
_SHAPES = re.compile(
    r"eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*"
    r"|sf[orhw]_[A-Za-z0-9_\-]{8,}"
)
# Handshake headers that carry credentials, as websockets logs them at debug ("< name: value").
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_SECRET_HEADER_BYTES = frozenset(name.encode() for name in _SECRET_HEADERS)
_DATA_OPCODES = frozenset({"TEXT", "BINARY", "CONT"})
REDACTED = "[redacted]"


def _param_name(raw: str) -> str:
    # Decoded until it stops changing: a client may encode twice (`k%2565y`).
    for _ in range(3):
        decoded = unquote_plus(raw)
        if decoded == raw:
            break
        raw = decoded
    return raw.strip().lower()


def _redact_pair(match: re.Match[str]) -> str:
    if _param_name(match["name"]) in _SECRET_PARAMS:
        return f"{match['name']}={REDACTED}"
    return match[0]


def redact(text: str) -> str:
    if "=" in text:
        text = _PAIR.sub(_redact_pair, text)
    return _SHAPES.sub(REDACTED, text)


def _redact_value(value: Any, depth: int = 0) -> Any:
    """`value` with credentials taken out: text, bytes, and the dicts, lists and tuples
    uvicorn logs (an ASGI scope or message)."""
    if depth > 8:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("latin-1")
        cleaned = redact(text)
        return value if cleaned == text else cleaned.encode("latin-1")
    if isinstance(value, dict):
        return {k: _redact_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if (
            len(value) == 2
            and isinstance(value[0], bytes | str)
            and (value[0].lower() in _SECRET_HEADER_BYTES or value[0].lower() in _SECRET_HEADERS)
        ):
            pair = (value[0], REDACTED)
            return pair if isinstance(value, tuple) else list(pair)
        redacted = [_redact_value(v, depth + 1) for v in value]
        return tuple(redacted) if isinstance(value, tuple) else redacted
    # A websockets Frame, logged at debug as "< TEXT '{…token…}'": its payload shows the
    # start and the end of the message, which holds the access token or overlay key of
    # an auth message. Log its kind and size only.
    opcode_name = getattr(getattr(value, "opcode", None), "name", None)
    if opcode_name in _DATA_OPCODES and hasattr(value, "data"):
        return f"{opcode_name} [{len(value.data)} bytes, not logged]"
    return value


_EXCEPTION_FORMATTER = logging.Formatter()


class RedactQuerySecrets(logging.Filter):
    """Take credentials out of a log record's message, arguments and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            args = tuple(_redact_value(a) for a in record.args)
            if (
                len(args) == 2
                and record.msg in ("< %s: %s", "> %s: %s")
                and str(args[0]).lower() in _SECRET_HEADERS
            ):
                args = (args[0], REDACTED)
            record.args = args
        elif isinstance(record.args, dict):
            record.args = _redact_value(record.args)
        if record.exc_info and not record.exc_text:
            # Formatters keep this text once it is set: format it now, redacted.
            record.exc_text = redact(_EXCEPTION_FORMATTER.formatException(record.exc_info))
        return True


_LOGGERS = (
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "uvicorn.asgi",
    "streamfx",
    "streamfx.server",
    "websockets",
)


def _guard(target: logging.Logger | logging.Handler) -> None:
    if not any(isinstance(f, RedactQuerySecrets) for f in target.filters):
        target.addFilter(RedactQuerySecrets())


def install_redaction() -> None:
    """Guard the known loggers and every handler there is now (call again after the
    logging configuration changes, as uvicorn's start-up does)."""
    for name in _LOGGERS:
        _guard(logging.getLogger(name))
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            _guard(handler)
    if logging.lastResort is not None:
        _guard(logging.lastResort)
