"""Fan-out of live events to each creator's WebSocket connections.

Handlers run in worker threads (sync endpoints) or on the event loop; `publish`
works from both. Each connection has a bounded queue drained by its own task,
so a slow client only ever fills its own queue and is then dropped.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

QUEUE_LIMIT = 256


@dataclass(eq=False)
class Subscriber:
    creator_id: str
    send_text: Callable[[str], Awaitable[None]]
    close: Callable[[], Awaitable[None]]
    can_trigger: bool = True
    queue: asyncio.Queue[str | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    dropped: bool = False


class Hub:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscriber]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._closing: set[asyncio.Future[None]] = set()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def add(self, sub: Subscriber) -> None:
        self._loop = self._loop or asyncio.get_running_loop()
        with self._lock:
            self._subscribers[sub.creator_id].add(sub)

    def remove(self, sub: Subscriber) -> None:
        with self._lock:
            subs = self._subscribers.get(sub.creator_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subscribers[sub.creator_id]

    def count(self, creator_id: str | None = None) -> int:
        with self._lock:
            if creator_id is not None:
                return len(self._subscribers.get(creator_id, ()))
            return sum(len(s) for s in self._subscribers.values())

    def publish(self, creator_id: str, message: dict[str, Any]) -> None:
        """Queue `message` for every connection of `creator_id`; never blocks."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        text = json.dumps(message, separators=(",", ":"))
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._deliver(creator_id, text)
        else:
            loop.call_soon_threadsafe(self._deliver, creator_id, text)

    def _deliver(self, creator_id: str, text: str) -> None:
        with self._lock:
            subs = list(self._subscribers.get(creator_id, ()))
        for sub in subs:
            if sub.dropped:
                continue
            try:
                sub.queue.put_nowait(text)
            except asyncio.QueueFull:
                self._drop(sub)

    def _drop(self, sub: Subscriber) -> None:
        sub.dropped = True
        self.remove(sub)
        # Wake the writer so it stops, and close the socket without waiting on it.
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(None)
        task = asyncio.ensure_future(sub.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def pump(self, sub: Subscriber) -> None:
        """Send queued messages to one connection until it is dropped or closes."""
        while True:
            text = await sub.queue.get()
            if text is None:
                return
            await sub.send_text(text)
