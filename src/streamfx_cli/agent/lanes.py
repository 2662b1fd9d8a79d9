"""Lanes: which effect the agent starts when, so that lanes never wait for each other.

Each lane (full frame, lower third, centre, filter: docs/AGENT.md "Lanes") shows
one effect at a time; within a lane the effect's `queueMode` decides what a new
one does while another shows: `queue` waits its turn, `replace` cuts what shows
and starts at once, `skip` is dropped and recorded `skipped`. Kinds with no lane
(hotkey) start at once.

Two exceptions keep long things from blocking short ones:
- a `scene` effect (a five-minute "brb") holds its lane only while it switches; its
  switch back is a timer like any effect's end, so flashes go on over the BRB scene;
- effects found in OBS's running record at start (after a crash or a takeover) are
  ended on time but hold no lane.

Before starting, an effect older than its `maxDelayMs` is recorded `expired`, not
drawn late. Every effect that started is ended by a timer here (`_end_at`), which
`replace` and `streamfx stop` cut short.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from .job import Job
from .running import RunningEffect, now_ms
from .stage import Started

log = logging.getLogger("streamfx.agent")

Report = Callable[[Job, Started], Awaitable[None]]
# True when this agent may draw the job (the server's claim); False: another agent has it.
Claim = Callable[[Job], Awaitable[bool]]


class StageLike(Protocol):
    async def start(self, job: Job) -> Started: ...
    async def end(self, key: str, *, on_time: bool = False) -> bool: ...


async def _always_claimed(_job: Job) -> bool:
    return True


@dataclass
class _Timer:
    entry: RunningEffect
    cut: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Lanes:
    def __init__(
        self,
        stage: StageLike,
        report: Report,
        claim: Claim = _always_claimed,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self._stage = stage
        self._report = report
        self._claim = claim
        self._clock = clock
        self._queues: dict[str, deque[Job]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._busy: dict[str, Job] = {}  # lane -> the job starting or showing there
        self._holding: dict[str, _Timer] = {}  # lane -> the timer of what shows there
        self._timers: dict[str, _Timer] = {}  # key -> every effect still to be ended
        self._tasks: set[asyncio.Task[None]] = set()
        self._starting = 0  # jobs between their expiry check and their start's report
        self._closing = False

    # -- asking -----------------------------------------------------------------

    def submit(self, job: Job) -> None:
        """Queue `job` in its lane (or start it at once if it has none)."""
        if self._closing:
            return  # left pending: another agent draws it, or the server expires it
        lane = job.lane
        if lane is None:
            self._spawn(self._draw(job, None))
            return
        queue = self._queues.get(lane)
        if queue is None:
            queue = self._queues[lane] = deque()
            self._wake[lane] = asyncio.Event()
            self._spawn(self._lane_loop(lane))
        showing = self._busy.get(lane)
        if showing is not None or queue:
            if job.queue_mode == "skip":
                busy_with = (showing or queue[0]).name
                reason = f"its lane was busy: {busy_with!r} was showing"
                self._spawn(self._report(job, Started("skipped", reason)))
                return
            if job.queue_mode == "replace":
                queue.appendleft(job)
                held = self._holding.get(lane)
                if held is not None:
                    held.cut.set()
                self._wake[lane].set()
                return
        queue.append(job)
        self._wake[lane].set()

    async def stop(self, effect: str | None = None) -> list[RunningEffect]:
        """End running effects now (all, or those of one effect slug); returns them."""
        chosen = [t for t in self._timers.values() if effect is None or t.entry.effect == effect]
        for timer in chosen:
            timer.cut.set()
        for timer in chosen:
            await timer.done.wait()
        return [t.entry for t in chosen]

    def adopt(self, entries: Iterable[RunningEffect]) -> None:
        """End effects another process started (found in OBS's record) on time."""
        for entry in entries:
            if entry.key not in self._timers:
                self._spawn(self._end_at(self._timer(entry)))

    def running(self) -> list[RunningEffect]:
        return [t.entry for t in self._timers.values()]

    async def idle(self) -> None:
        """Wait until nothing is queued, starting or showing (tests and shutdown)."""
        while any(self._queues.values()) or self._busy or self._timers:
            await asyncio.sleep(0.02)

    async def shutdown(self) -> None:
        """Take nothing new, let what is starting start, then end everything now."""
        self._closing = True
        for queue in self._queues.values():
            queue.clear()
        while self._starting:
            await asyncio.sleep(0.01)
        await self.stop()
        while self._timers:  # some were cut by their own lane as they started
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- working ----------------------------------------------------------------

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("an agent task failed: %s", task.exception())

    async def _lane_loop(self, lane: str) -> None:
        queue, wake = self._queues[lane], self._wake[lane]
        while True:
            while not queue:
                wake.clear()
                await wake.wait()
            job = queue.popleft()
            self._busy[lane] = job
            try:
                await self._draw(job, lane)
            finally:
                self._busy.pop(lane, None)

    async def _draw(self, job: Job, lane: str | None) -> None:
        self._starting += 1
        try:
            started = await self._start(job)
        finally:
            self._starting -= 1
        if started is None or started.running is None:
            return
        timer = self._timer(started.running)
        if lane is None or job.kind == "scene":
            self._spawn(self._end_at(timer))
            return
        self._holding[lane] = timer
        queue = self._queues[lane]
        if self._closing or (queue and queue[0].queue_mode == "replace"):
            timer.cut.set()  # it came while this one was starting
        try:
            await self._end_at(timer)
        finally:
            self._holding.pop(lane, None)

    async def _start(self, job: Job) -> Started | None:
        """Expire, claim and start `job`, and report it; None when it is not ours to draw."""
        age = job.age_ms(self._clock())
        if age > job.max_delay_ms:
            reason = f"it waited {age} ms, longer than its maxDelayMs of {job.max_delay_ms} ms"
            await self._report(job, Started("expired", reason))
            return None
        if not await self._claim(job):
            return None  # another agent draws it (a takeover during a burst)
        started = await self._stage.start(job)
        await self._report(job, started)
        return started

    def _timer(self, entry: RunningEffect) -> _Timer:
        timer = self._timers[entry.key] = _Timer(entry)
        return timer

    async def _end_at(self, timer: _Timer) -> None:
        """Wait for the effect's end time (or a cut), then end it in OBS."""
        try:
            remaining = (timer.entry.until_ms - self._clock()) / 1000
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(timer.cut.wait(), remaining)
            try:
                await self._stage.end(timer.entry.key, on_time=not timer.cut.is_set())
            except Exception as exc:  # OBS away: the record keeps it; the next recover ends it
                log.warning("could not end %s yet: %s", timer.entry.effect, exc)
        finally:
            self._timers.pop(timer.entry.key, None)
            timer.done.set()
