"""Waiting on a condition, never on a fixed sleep.

Every test that waits for something another process, thread or event loop does
polls for it here: on a busy machine the condition only comes later, and the test
waits exactly that long instead of failing after a sleep that was enough on an idle
one. The timeout is the longest the behaviour under test may take, so it keeps the
test's meaning; the poll interval is only how often to look.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def timed_out(timeout: float, what: str, detail: str = "") -> AssertionError:
    """The failure of a wait: what was awaited, for how long, and what was seen instead."""
    message = f"timed out after {timeout:g} s waiting for {what}"
    return AssertionError(f"{message}; {detail}" if detail else message)


def wait_until(
    predicate: Callable[[], T],
    timeout: float,
    what: str,
    *,
    every: float = 0.02,
    seen: Callable[[], str] | None = None,
) -> T:
    """Call `predicate` until it returns something truthy, and return that.

    Fails after `timeout` seconds with `what` and, if given, `seen()` (say, the screen).
    """
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise timed_out(timeout, what, seen() if seen else "")
        time.sleep(every)
    return value


async def wait_until_async(
    predicate: Callable[[], T],
    timeout: float,
    what: str,
    *,
    pause: Callable[[float], Awaitable[object]],
    every: float = 0.05,
    seen: Callable[[], str] | None = None,
) -> T:
    """`wait_until` inside an event loop: `pause` lets the loop run between looks
    (a Textual Pilot's `pause`, so the app under test keeps handling its messages)."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise timed_out(timeout, what, seen() if seen else "")
        await pause(every)
    return value
