"""A server-wide bound on concurrent password hashing (register and login).

One argon2id hash takes 64 MiB and about 300 ms of a core (passwords.py). Unbounded,
40 requests at once took a server from 68 MB to 1.9 GB and every other request to
seconds. Here at most `slots` hashes run at once; others wait in line on the event
loop (holding no worker thread, so the rest of the API keeps its threads) for at most
`wait` seconds, then get 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import TypeVar

import anyio

from ..errors import APIError, retry_later

T = TypeVar("T")


class HashSlots:
    def __init__(self, slots: int, wait: float) -> None:
        if slots < 1:
            raise ValueError("at least one hashing slot is needed")
        self.slots = slots
        self.wait = wait
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore: asyncio.Semaphore | None = None

    def _for_this_loop(self) -> asyncio.Semaphore:
        # A server has one loop; in-process test clients start one per client.
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            self._loop, self._semaphore = loop, asyncio.Semaphore(self.slots)
        return self._semaphore

    def busy(self) -> APIError:
        return retry_later(
            503,
            "server_busy",
            "The server is busy checking other passwords; try again in a moment.",
            max(1, math.ceil(self.wait)),
        )

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """`work(*args)` in a worker thread once a slot is free; 503 if none frees in time."""
        semaphore = self._for_this_loop()
        acquired = False
        with anyio.move_on_after(self.wait):
            await semaphore.acquire()
            acquired = True
        if not acquired:
            raise self.busy()
        try:
            # Not cancellable: if the client hangs up, the slot stays taken until the
            # hash really is done, so the bound holds for the CPU and memory too.
            return await anyio.to_thread.run_sync(work, *args)
        finally:
            semaphore.release()
