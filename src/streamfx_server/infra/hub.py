"""Fan-out of live events to each creator's WebSocket connections.

Handlers run in worker threads (sync endpoints) or on the event loop; `publish`
and `disconnect` work from both and never wait. Each connection has its own
bounded queue (messages and bytes) drained by its own task (`pump`), so a client
that reads slowly only ever fills its own queue:

- server events (`publish`) that find the queue full drop that client;
- a send that stalls (the client stopped reading and the socket buffers are full)
  is given up after `send_timeout`, and the client dropped (one watchdog task looks
  at every connection's send in progress a few times per `send_timeout`: a timer
  per message would cost more than the send itself when an event goes out to
  hundreds of overlays);
- replies to the client's own messages (`reply`) wait for room instead, which
  stops reading from that client (TCP pushes back on it) rather than dropping a
  client that merely sent a burst.

Every published event carries a per-creator `seq` (the event log numbers it before
it gets here) and events reach `publish` in seq order. A connection that resumes
(routes/ws_resume.py) joins with `held` set: its events are kept aside, in order,
while the log is replayed to it, then `release` queues those the replay did not
already send.

Bytes already handed to the kernel are out of our sight: a client that stops
reading absorbs its socket buffers (a few MB) before its queue starts to fill.
uvicorn's WebSocket keepalive (ping every 20 s) catches a client that is gone.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from streamfx_wire.live import CLOSE_GOING_AWAY, CLOSE_TOO_SLOW

QUEUE_LIMIT = 256
# Events kept aside for a connection while the log is replayed to it (see `release`).
HELD_LIMIT = 4 * QUEUE_LIMIT
QUEUE_BYTES = 1024 * 1024
SEND_TIMEOUT = 10.0


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


@dataclass(eq=False)
class Subscriber:
    """One live connection. `mode` is "control" (access token) or "listen" (overlay key)."""

    creator_id: str
    send_text: Callable[[str], Awaitable[None]]
    mode: str = "control"
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    queued_bytes: int = 0
    # Set by the pump whenever it takes a message off the queue.
    room: asyncio.Event = field(default_factory=asyncio.Event)
    dropped: bool = False
    # Set when the connection is dropped without flushing: its handler stops at once,
    # even in the middle of a send that is waiting on a client that stopped reading.
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int = CLOSE_GOING_AWAY
    close_reason: str = ""
    # Loop time at which the send in progress started (None: not sending).
    sending_since: float | None = None
    # While not None, published events wait here as (seq, text) instead of the queue.
    held: list[tuple[int, str]] | None = None

    @property
    def can_trigger(self) -> bool:
        return self.mode == "control"

    def has_room(self, size: int) -> bool:
        waiting = self.queue.qsize()
        # One message always fits, however large, so nothing can wait forever.
        return waiting == 0 or (waiting < QUEUE_LIMIT and self.queued_bytes + size <= QUEUE_BYTES)


class Hub:
    def __init__(self, send_timeout: float = SEND_TIMEOUT) -> None:
        self.send_timeout = send_timeout
        self._subscribers: dict[str, set[Subscriber]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._watchdog: asyncio.Task[None] | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def stop(self) -> None:
        """Stop the watchdog (at shutdown, on the loop)."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def add(self, sub: Subscriber) -> None:
        self._loop = self._loop or asyncio.get_running_loop()
        with self._lock:
            self._subscribers[sub.creator_id].add(sub)
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.get_running_loop().create_task(self._watch_sends())

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

    # -- entry points that may be called from any thread -------------------------------

    def publish(self, creator_id: str, seq: int, text: str, *, control_only: bool = False) -> None:
        """Queue the event numbered `seq` (encoded as `text`) for every connection of
        `creator_id` (only those with an access token if `control_only`); never blocks.
        Call it in seq order."""
        self._on_loop(self._deliver, creator_id, seq, text, control_only)

    def disconnect(
        self, creator_id: str, code: int, reason: str, *, mode: str | None = None
    ) -> None:
        """Close every connection of `creator_id` (only those in `mode`, if given)."""
        self._on_loop(self._disconnect, creator_id, code, reason, mode)

    def _on_loop(self, fn: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            fn(*args)
        else:
            loop.call_soon_threadsafe(fn, *args)

    # -- event-loop side ----------------------------------------------------------------

    def _subs(self, creator_id: str) -> list[Subscriber]:
        with self._lock:
            return list(self._subscribers.get(creator_id, ()))

    def _deliver(self, creator_id: str, seq: int, text: str, control_only: bool) -> None:
        for sub in self._subs(creator_id):
            if control_only and not sub.can_trigger:
                continue
            if sub.held is None:
                self._offer(sub, text)
            elif len(sub.held) < HELD_LIMIT:
                sub.held.append((seq, text))
            else:  # it will resume from where the replay got to
                self.drop(sub, CLOSE_TOO_SLOW, "too_slow")

    def _disconnect(self, creator_id: str, code: int, reason: str, mode: str | None) -> None:
        for sub in self._subs(creator_id):
            if mode is None or sub.mode == mode:
                self.drop(sub, code, reason)

    def _offer(self, sub: Subscriber, text: str) -> None:
        if sub.dropped:
            return
        if not sub.has_room(len(text)):
            self.drop(sub, CLOSE_TOO_SLOW, "too_slow")
            return
        sub.queue.put_nowait(text)
        sub.queued_bytes += len(text)

    def send(self, sub: Subscriber, message: dict[str, Any]) -> None:
        """Queue a message for one connection without waiting (event loop only)."""
        self._offer(sub, encode(message))

    async def reply(self, sub: Subscriber, message: dict[str, Any]) -> None:
        """Queue an answer to the client's own message, waiting for room if need be."""
        await self.reply_text(sub, encode(message))

    async def release(self, sub: Subscriber, after_seq: int) -> None:
        """Queue the events held for `sub` numbered above `after_seq`, in order, then let
        later events go straight to its queue. Waits for room like `reply`; events
        published meanwhile join the end of what is held, so none is missed or reordered.
        """
        held = sub.held
        while held and not sub.dropped:
            seq, text = held.pop(0)
            if seq > after_seq:
                await self.reply_text(sub, text)
        sub.held = None

    async def reply_text(self, sub: Subscriber, text: str) -> None:
        """`reply` for a message already encoded."""
        try:
            async with asyncio.timeout(self.send_timeout):
                while not sub.dropped and not sub.has_room(len(text)):
                    sub.room.clear()
                    await sub.room.wait()
        except TimeoutError:
            self.drop(sub, CLOSE_TOO_SLOW, "too_slow")
            return
        self._offer(sub, text)

    def drop(self, sub: Subscriber, code: int, reason: str, *, flush: bool = False) -> None:
        """Stop a connection: its pump ends and its handler closes it with `code`.

        With `flush`, messages already queued (say, an error explaining why) go out
        first; otherwise they are thrown away.
        """
        if sub.dropped:
            return
        sub.dropped = True
        sub.close_code = code
        sub.close_reason = reason
        self.remove(sub)
        if not flush:
            while not sub.queue.empty():
                sub.queue.get_nowait()
            sub.queued_bytes = 0
            sub.stopped.set()
        sub.queue.put_nowait(None)
        sub.room.set()

    async def pump(self, sub: Subscriber) -> None:
        """Send queued messages to one connection until it is dropped.

        Returns when the connection is dropped (by the hub or its handler) or when a
        send fails (the client is gone). A send that stalls past `send_timeout` gets
        the connection dropped by the watchdog, which stops its handler, and with it
        this pump, at once.
        """
        loop = asyncio.get_running_loop()
        while True:
            text = await sub.queue.get()
            if text is None:
                return
            sub.queued_bytes -= len(text)
            sub.room.set()
            sub.sending_since = loop.time()
            try:
                await sub.send_text(text)
            except Exception:
                self.drop(sub, CLOSE_GOING_AWAY, "gone")
                return
            finally:
                sub.sending_since = None

    async def _watch_sends(self) -> None:
        """Drop every connection whose send has been stuck for `send_timeout`.

        Runs while there are connections; `add` starts it again after a quiet spell.
        """
        loop = asyncio.get_running_loop()
        every = min(1.0, self.send_timeout / 4)
        while True:
            await asyncio.sleep(every)
            with self._lock:
                subs = [sub for subs in self._subscribers.values() for sub in subs]
            if not subs:
                return
            late = loop.time() - self.send_timeout
            for sub in subs:
                since = sub.sending_since
                if since is not None and since <= late:
                    self.drop(sub, CLOSE_TOO_SLOW, "too_slow")
