"""`streamfx fire` through the local agent: trigger only, and return at once.

On the hotkey path, so stdlib only: no httpx, no keyring, no OBS client. The
agent (already signed in, already linked to the server) sends the trigger over
its WebSocket and answers with the activation; with `--wait` it also waits (up
to 3 s) for the activation's delivery, which the server confirms to every
connection as `activation.updated` (docs/AGENT.md). `hand_off` returns None when
no agent listens here or it cannot reach the server, and `fire` then does it the
old way (HTTP, drawing by itself).
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import ExitCode
from .local_socket import ask

WAIT_MS = 3000
# Deliveries a `--wait` treats as "what you fired is on screen" (or meant not to be).
SEEN = ("shown", "overlay", "skipped")


def hand_off(
    effect: str,
    *,
    params: dict[str, Any],
    session: str | None,
    source: str,
    wait: bool,
) -> dict[str, Any] | None:
    request: dict[str, Any] = {
        "type": "fire",
        "effectId": effect,
        "source": source,
        # A retry of this very fire (the agent's journal, a resend) is never a second one.
        # Random like a uuid4, without importing uuid (and the `platform` it loads).
        "idempotencyKey": os.urandom(16).hex(),
    }
    if params:
        request["params"] = params
    if session:
        request["sessionId"] = session
    if wait:
        request["waitMs"] = WAIT_MS
    try:
        answer = ask(request, timeout=(WAIT_MS / 1000 + 3) if wait else 3.0)
    except (OSError, ValueError):
        return None
    if answer is None or answer.get("unreachable"):
        return None
    return answer


def exit_code_of_error(error: dict[str, Any]) -> int:
    status = int(error.get("httpStatus") or 0)
    if status == 401:
        return ExitCode.AUTH
    if status == 429:
        return ExitCode.RATE_LIMITED
    if 400 <= status < 500:
        return ExitCode.REJECTED
    return ExitCode.ERROR


def describe(
    activation: dict[str, Any], delivery: dict[str, Any] | None, waited: bool
) -> tuple[str, int]:
    """The line `fire` prints, and its exit code."""
    render = activation.get("render") or {}
    effect = render.get("effect") or {}
    what = (
        f"{effect.get('slug', '?')} ({render.get('kind', '?')}, "
        f"{int(render.get('durationMs') or 0) / 1000:g}s) in session "
        f"{activation.get('sessionId')}: {activation.get('id')}"
    )
    if activation.get("id") is None:  # drawn from the agent's cache: the server is down
        what = f"{effect.get('slug', '?')} ({render.get('kind', '?')})"
        status = str((delivery or {}).get("status"))
        later = "the server records it when it is back"
        if status == "shown":
            return f"Drew {what} while the server is unreachable; {later}.", ExitCode.OK
        reason = (delivery or {}).get("reason")
        return (
            f"The server is unreachable, and {what} was {status}: {reason}; {later}.",
            ExitCode.OK if status in SEEN else ExitCode.OBS_FAILED,
        )
    if not waited:
        return f"Fired {what}; the agent draws it.", ExitCode.OK
    if delivery is None or delivery.get("status") == "pending":
        return (
            f"Fired {what}, but no delivery was reported within {WAIT_MS / 1000:g} s.",
            ExitCode.OBS_FAILED,
        )
    status = str(delivery.get("status"))
    reason = delivery.get("reason")
    if status == "shown":
        latency = delivery.get("latencyMs")
        took = f" ({latency} ms after the trigger)" if latency is not None else ""
        if reason:  # what OBS made of it: a replay's file
            return f"Fired {what}; {reason}{took}.", ExitCode.OK
        return f"Fired {what}; shown in OBS{took}.", ExitCode.OK
    if status in SEEN:
        return f"Fired {what}; {status}" + (f": {reason}." if reason else "."), ExitCode.OK
    if status == "hidden":
        return f"Fired {what}, but viewers cannot see it: {reason}.", ExitCode.OBS_FAILED
    return f"Fired {what}, but it was {status}: {reason}.", ExitCode.OBS_FAILED
