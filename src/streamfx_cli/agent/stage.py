"""The agent's side of OBS: one connection, used from one thread, kept up by itself.

obs-websocket's client here is synchronous, so every request runs in a single
worker thread (`ThreadPoolExecutor(1)`): lanes ask for starts and ends from the
event loop, and OBS sees them one after another on one socket. None of them
waits longer than a round trip (a frame animation is sent and left to run; what a
start produced, a replay's file, is asked for again and again, each time a round
trip), so one lane never waits for another's effect to end (docs/AGENT.md "Lanes").

Starting an effect is one batch: the updated `streamfx.running` record
(running.py) first, then the effect's start requests. Ending is the effect's end
requests, then the record without it. So whatever happens to this process, OBS
always holds what is still to be put back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from ..obs import ObsConnection, ObsError, ObsUnavailable
from ..obs.connection import ExecutionType
from ..obs.draw import Outcome, end_now, plan, start_now
from ..obs.show import local_file
from ..obs.visibility import joined_reason
from . import running
from .job import Job
from .running import RunningEffect, now_ms

log = logging.getLogger("streamfx.agent")
T = TypeVar("T")

# (render's asset, effect name) -> local path; downloads through the CLI's asset cache.
FetchAsset = Callable[[Mapping[str, Any], str], "str | os.PathLike[str]"]
# (connection, kind) -> (delivery status, reason): is what was started in the program output?
SeeOutput = Callable[[ObsConnection, str], tuple[str, str | None]]
ConnectObs = Callable[[], ObsConnection]
# Told each request list before it is sent, so the events it causes are known as StreamFX's
# own (obs_events.OwnActions).
NoteRequests = Callable[[Sequence[Mapping[str, Any]]], None]


def _always_shown(_conn: ObsConnection, _kind: str) -> tuple[str, str | None]:
    return "shown", None


@dataclass(frozen=True)
class Started:
    """The outcome of starting one job, as it goes into the delivery record."""

    status: str  # shown | hidden | failed
    reason: str | None = None
    drawn_at_ms: int | None = None
    running: RunningEffect | None = None  # None: nothing to end later


class Stage:
    def __init__(
        self,
        connect: ConnectObs,
        fetch: FetchAsset | None = None,
        see: SeeOutput = _always_shown,
        note: NoteRequests | None = None,
    ) -> None:
        self._connect = connect
        self._fetch = fetch
        self._see = see
        self._note = note or (lambda _requests: None)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="streamfx-obs")
        self._conn: ObsConnection | None = None
        # Touched only in the OBS thread: the single writer of the record in OBS.
        self._running: dict[str, RunningEffect] = {}

    # -- the OBS thread -------------------------------------------------------

    async def _run(self, work: Callable[[ObsConnection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._with_connection, work)

    def _with_connection(self, work: Callable[[ObsConnection], T]) -> T:
        if self._conn is None or not self._conn.connected:
            self._conn = None
            self._conn = self._connect()
        try:
            return work(self._conn)
        except ObsUnavailable:
            self._drop()
            raise

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    @property
    def connected(self) -> bool:
        return self._conn is not None and self._conn.connected

    async def check(self) -> None:
        """Raise ObsError unless OBS answers now (connecting first if need be)."""
        await self._run(lambda conn: conn.call("GetVersion", timeout=2.0))

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._drop)
        self._executor.shutdown(wait=False)

    # -- effects --------------------------------------------------------------

    async def start(self, job: Job) -> Started:
        """Start `job` in OBS; never raises for OBS or file trouble (that is `failed`)."""
        path: str | None = None
        if self._fetch is not None:
            try:
                # Outside the OBS thread: a download must not hold up other lanes.
                path = await asyncio.to_thread(local_file, job.render, self._fetch)
            except Exception as exc:  # any failure to get the file is this effect's outcome
                reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
                return Started(
                    "failed", f"the file for {job.name!r} could not be fetched: {reason}"
                )
        try:
            started, outcome = await self._run(lambda conn: self._start(conn, job, path))
            if outcome is not None and started.status == "shown":
                produced = await self._follow(outcome)  # a replay's file
                started = replace(started, reason=joined_reason(started.reason, [produced]))
            return started
        except ObsError as exc:
            return Started("failed", _plain(exc))

    async def _follow(self, outcome: Outcome) -> str:
        """Ask OBS what the start produced until it says; one round trip at a time, so
        the other lanes' starts and ends go on in between."""
        give_up = time.monotonic() + outcome.within_s
        while True:
            note = await self._run(outcome.poll)
            if note is not None:
                return note
            if time.monotonic() >= give_up:
                raise ObsError(outcome.late)
            await asyncio.sleep(outcome.every_s)

    def _start(
        self, conn: ObsConnection, job: Job, path: str | None
    ) -> tuple[Started, Outcome | None]:
        drawing = plan(conn, job.render, path)
        if drawing is None:
            return Started("skipped", "an overlay-only effect: nothing to do in OBS"), None
        entry: RunningEffect | None = None
        before: list[dict[str, Any]] = []
        if drawing.end:
            entry = RunningEffect(
                key=job.key,
                effect=job.effect,
                lane=job.lane,
                until_ms=now_ms() + drawing.duration_ms,
                end=drawing.end,
                back=drawing.back,
                back_ms=drawing.back_ms,
                settles_at_ms=now_ms() + drawing.settle_ms,
            )
            before = [running.set_request([*self._running.values(), entry])]
        self._note(drawing.start)
        start_now(conn, drawing, before=before)
        drawn_at = now_ms()
        if entry is not None:
            self._running[entry.key] = entry
        status, reason = self._see(conn, job.kind)
        # A font fallback is said even when shown (docs/AGENT.md "Delivery record").
        started = Started(status, joined_reason(reason, drawing.notes), drawn_at, entry)
        return started, drawing.outcome

    async def end(self, key: str, *, on_time: bool = False) -> bool:
        """End the running effect `key` and put back what it changed; False if unknown.

        `on_time`: a move or a filter ramp eases back first, and this returns once it is
        home (its lane stays busy meanwhile); otherwise everything snaps back at once,
        after the entrance if it is still playing (an end sent during it would be undone
        by its remaining frames).
        """
        entry = self._running.get(key)  # a read: the OBS thread is the only writer
        if entry is not None and not on_time:
            wait_ms = entry.settles_at_ms - now_ms()
            if wait_ms > 0:
                await asyncio.sleep(wait_ms / 1000)
        took = await self._run(lambda conn: self._end(conn, key, animate=on_time))
        if took:
            await asyncio.sleep(took / 1000)
        return took is not None

    def _end(self, conn: ObsConnection, key: str, *, animate: bool = False) -> int | None:
        """End `key`; None if unknown, else how long its way back runs on in OBS (ms)."""
        entry = self._running.get(key)
        if entry is None:
            return None
        rest = running.set_request([e for e in self._running.values() if e.key != key])
        self._note([*entry.back, *entry.end])
        took = 0
        if animate and entry.back:
            # The record first, now: a frame batch runs later than requests sent after it,
            # and it must not write back a record that other lanes have changed since.
            # Then one SerialFrame batch, left to run (OBS has it once `sync` returns),
            # that ends with the exact `end`: it finishes even if this process is killed.
            end_now(conn, [rest])
            conn.batch(
                [*entry.back, *entry.end], execution_type=ExecutionType.SERIAL_FRAME, wait=False
            )
            conn.sync()
            took = entry.back_ms
        else:
            end_now(conn, [*entry.end, rest])
        self._running.pop(key, None)
        return took

    async def recover(self) -> list[RunningEffect]:
        """Adopt the record OBS holds: end what is overdue now, return what still runs.

        Called on every (re)connection to OBS: after this process or OBS restarted,
        or on taking over the lease from an agent that was killed.
        """
        return await self._run(self._recover)

    def _recover(self, conn: ObsConnection) -> list[RunningEffect]:
        slot = conn.call(
            "GetPersistentData", {"realm": running.REALM, "slotName": running.SLOT}
        ).get("slotValue")
        for entry in running.read(slot):
            self._running.setdefault(entry.key, entry)
        now = now_ms()
        for entry in [e for e in self._running.values() if e.until_ms <= now]:
            log.info("ending overdue effect %s (%s)", entry.effect, entry.key)
            self._end(conn, entry.key)
        if not self._running:
            # Rewrite the record anyway: drop entries this version could not read.
            end_now(conn, [running.set_request([])])
        return list(self._running.values())

    def running(self) -> list[RunningEffect]:
        return list(self._running.values())


def _plain(exc: ObsError) -> str:
    """The bridge's error message as a delivery reason: one sentence, no trailing dot."""
    return str(exc).rstrip(".")
