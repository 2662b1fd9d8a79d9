"""Webhook rules' calls for tests: sign a body the way docs/RULES.md tells callers to."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, computed here independently of
    the server's code."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(
    secret: str,
    body: bytes,
    *,
    delivery: str | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/json",
        "X-StreamFX-Timestamp": stamp,
        "X-StreamFX-Signature": signature(secret, stamp, body),
        "X-StreamFX-Delivery": delivery or str(uuid.uuid4()),
    }


def call_hook(
    base_url: str,
    hook_path: str,
    secret: str,
    fields: dict[str, Any] | None = None,
    **options: Any,
) -> httpx.Response:
    """POST a signed call with no user token, as a Stream Deck or a chat bot would."""
    body = json.dumps(fields or {}).encode()
    headers = signed_headers(secret, body, **options)
    return httpx.post(f"{base_url}{hook_path}", content=body, headers=headers, timeout=10)
