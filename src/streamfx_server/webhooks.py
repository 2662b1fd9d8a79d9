"""Webhook rules' calls (DESIGN.md section 14, docs/RULES.md "Webhooks"): hook ids, secrets,
signatures and replays.

A call is `POST /api/hooks/{hookId}` with no user token, signed with the hook's secret:
`X-StreamFX-Timestamp` (unix seconds, within 5 minutes of the server's clock) and
`X-StreamFX-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`; each call
names itself with `X-StreamFX-Delivery`, and a delivery id, or the very same signed
request, is accepted once.

The secret is never stored: it is derived from the server's key and a random salt kept
with the rule (`HookSecrets`), so the server can recompute it to check a signature, a
copy of the database alone does not give it away, and rotating it is a new salt
(docs/SECURITY.md "Webhook rules").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from .errors import APIError
from .infra.db import Database

HOOK_PATH: Final = "/api/hooks/"
# A recognisable prefix, like the overlay key's: the log redaction (infra/logs.py) takes
# anything shaped like a hook id or a hook secret out of every log line.
HOOK_ID_PREFIX: Final = "sfh_"
SECRET_PREFIX: Final = "sfw_"
MAX_BODY: Final = 64 * 1024
# A timestamp this far from the server's clock, either way, is refused.
WINDOW_SECONDS: Final = 5 * 60
# What a call has spent (its delivery id and its signature) is remembered at least this
# long: longer than any request signed within the window stays acceptable.
SEEN_TTL_MS: Final = 3 * WINDOW_SECONDS * 1000
TIMESTAMP_HEADER: Final = "X-StreamFX-Timestamp"
SIGNATURE_HEADER: Final = "X-StreamFX-Signature"
DELIVERY_HEADER: Final = "X-StreamFX-Delivery"
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")
_SIGNATURE = re.compile(r"^sha256=([0-9a-fA-F]{64})$")
_DOMAIN = b"streamfx webhook secrets v1"


def new_hook_id() -> str:
    return HOOK_ID_PREFIX + secrets.token_urlsafe(24)


def new_salt() -> str:
    return secrets.token_hex(32)


def hook_path(hook_id: str) -> str:
    return HOOK_PATH + hook_id


class HookSecrets:
    """Derives each hook's secret from the server's key (HMAC-SHA256 as a key derivation
    function, with a label of its own so no other use of the key can yield the same)."""

    def __init__(self, server_key: bytes) -> None:
        self._key = hmac.new(server_key, _DOMAIN, hashlib.sha256).digest()

    def secret(self, hook_id: str, salt: str) -> str:
        raw = hmac.new(self._key, f"{hook_id}\n{salt}".encode(), hashlib.sha256).digest()
        return SECRET_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for a body sent at `timestamp` (docs/RULES.md)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


# A 401 names how to authenticate (RFC 9110): here a signature, not the user routes'
# Bearer token, which a webhook caller has none of.
CHALLENGE: Final = 'StreamFX-Signature realm="webhook"'


def _unauthorized(message: str, code: str, hint: str) -> APIError:
    error = APIError(401, code, message, hint=hint)
    error.headers["WWW-Authenticate"] = CHALLENGE
    return error


@dataclass(frozen=True)
class SignedCall:
    """A call's headers, read: its delivery id and signature are what it spends."""

    timestamp: str
    signature: str
    delivery_id: str


def read_headers(
    timestamp: str | None, signature: str | None, delivery_id: str | None, now_s: float
) -> SignedCall:
    """The call's headers, checked for presence, form and freshness (not yet the signature)."""
    if not signature:
        raise _unauthorized(
            f"This webhook call is not signed: the {SIGNATURE_HEADER} header is missing.",
            "signature_missing",
            "Sign the call with the hook's secret; see docs/RULES.md.",
        )
    if not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
        raise _unauthorized(
            f"The {TIMESTAMP_HEADER} header must be the time of the call in unix seconds.",
            "timestamp_missing",
            "Send the current unix time, and sign it with the body.",
        )
    if abs(int(timestamp) - now_s) > WINDOW_SECONDS:
        raise _unauthorized(
            "This webhook call's timestamp is more than 5 minutes from the server's clock.",
            "timestamp_stale",
            "Sign each call when you send it, and keep this computer's clock right.",
        )
    if not delivery_id or not _DELIVERY_ID.match(delivery_id):
        raise APIError(
            400,
            "delivery_id_missing",
            f"The {DELIVERY_HEADER} header must name this call: 1-100 letters, digits, "
            "'-', '_', '.' or ':'.",
            hint="Send a new random id (a UUID) with every call.",
        )
    return SignedCall(timestamp, signature, delivery_id)


def check_signature(secret: str, call: SignedCall, body: bytes) -> None:
    """401 unless the signature is the body's and timestamp's with this secret (compared in
    constant time)."""
    match = _SIGNATURE.match(call.signature.strip())
    expected = sign(secret, call.timestamp, body)
    given = f"sha256={match.group(1).lower()}" if match else ""
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise _unauthorized(
            "This webhook call's signature does not match.",
            "signature_mismatch",
            'Sign "<timestamp>.<body>" with the hook\'s secret (HMAC-SHA256, hex) and send '
            "it as sha256=<hex>; see docs/RULES.md.",
        )


def spend(conn: sqlite3.Connection, hook_id: str, call: SignedCall, now_ms: int) -> None:
    """Record the call's delivery id and signature as used; 409 if either was, in the
    caller's transaction. The delivery id is not signed, so the signature is spent too:
    the same signed request sent again with another id is refused as well."""
    conn.execute(
        "DELETE FROM hook_deliveries WHERE hook_id = ? AND seen_ms < ?",
        (hook_id, now_ms - SEEN_TTL_MS),
    )
    seen = ("id:" + call.delivery_id, "sig:" + call.signature.strip().lower())
    used = conn.execute(
        "SELECT 1 FROM hook_deliveries WHERE hook_id = ? AND seen IN (?, ?)", (hook_id, *seen)
    ).fetchone()
    if used is not None:
        raise APIError(
            409,
            "delivery_repeated",
            "This webhook call was received before (same delivery id or same signed request).",
            hint="Send each call with a new delivery id and timestamp; a repeat is not fired again.",
        )
    conn.executemany(
        "INSERT INTO hook_deliveries (hook_id, seen, seen_ms) VALUES (?, ?, ?)",
        [(hook_id, key, now_ms) for key in seen],
    )


def prune(db: Database, at: datetime) -> None:
    """Forget spent calls older than they need to be kept, for every hook; a look that
    finds none takes no write lock (it runs every second, with the timers)."""
    cutoff = int(at.timestamp() * 1000) - SEEN_TTL_MS
    if db.one("SELECT 1 FROM hook_deliveries WHERE seen_ms < ? LIMIT 1", (cutoff,)) is None:
        return
    with db.write() as conn:
        conn.execute("DELETE FROM hook_deliveries WHERE seen_ms < ?", (cutoff,))


def with_hook_limit(limit_for: Callable[[str], int]) -> Callable[[str], int]:
    """The body limit (infra/middleware.py BodyLimitMiddleware), with 64 KB for hook calls."""

    def limit(path: str) -> int:
        return MAX_BODY if path.startswith(HOOK_PATH) else limit_for(path)

    return limit
