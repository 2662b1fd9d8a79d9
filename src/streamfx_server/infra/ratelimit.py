"""Sign-in and sign-up throttling, kept in memory: one server process owns the database.

An attempt is counted when it starts (`reserve`), not when its outcome is known:
checking a password takes ~300 ms, and counting only finished failures let 20
concurrent guesses at one email all through where 5 were meant to be. An attempt
that turns out well is taken back (`release`).
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque


class FailureLimiter:
    """Counts failures per key in a sliding window; blocks a key that reached the limit."""

    def __init__(self, limit: int, window: float, clock=time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may try now."""
        with self._lock:
            now = self._clock()
            times = self._prune(key, now)
            if len(times) < self.limit:
                if not times:
                    self._failures.pop(key, None)
                return 0
            return max(1, math.ceil(self.window - (now - times[-self.limit])))

    def reserve(self, key: str) -> int:
        """Count an attempt for `key` now, if it may make one: 0 when counted, else the
        seconds until it may try again (and nothing is counted)."""
        with self._lock:
            now = self._clock()
            times = self._prune(key, now)
            if len(times) >= self.limit:
                return max(1, math.ceil(self.window - (now - times[-self.limit])))
            times.append(now)
            return 0

    def release(self, key: str) -> None:
        """Take back one attempt of `key` counted by `reserve` (it did not fail)."""
        with self._lock:
            times = self._failures.get(key)
            if times:
                times.pop()
                if not times:
                    self._failures.pop(key, None)

    def record_failure(self, key: str) -> None:
        with self._lock:
            now = self._clock()
            self._prune(key, now).append(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
