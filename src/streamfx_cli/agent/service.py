"""The agent process: the server link, the lanes, OBS, and the local socket, together.

`Agent.run` keeps four things going until the sign-in ends or it is stopped:
- the link (link.py): while it holds the lease, activations go to the lanes;
- OBS (stage.py): checked every half second while away, so drawing is back within
  two seconds of OBS returning; each (re)connection while holding the lease first
  adopts OBS's running record, ending what is overdue;
- the lanes (lanes.py): draw, claim, report;
- the local socket (local_socket.py): `fire`, `stop` and `status` requests;
- while it holds the lease, the OBS events its creator's rules wait for
  (obs_events.py), reported to the server;
and, while the server is down, fires drawn from the cache (offline.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .job import Job
from .lanes import Lanes
from .link import Delivery, Link, SignInEnded
from .local_socket import serve
from .obs_events import Watcher
from .offline import Offline, iso
from .stage import Stage, Started

log = logging.getLogger("streamfx.agent")

OBS_CHECK_EVERY_S = 0.5
KEEP_DELIVERIES = 500
WAIT_LIMIT_MS = 10_000
STOP_GRACE_S = 5.0
SEQ_SAVE_EVERY_S = 0.5


def new_agent_id() -> str:
    return "ag_" + secrets.token_urlsafe(12)


class Agent:
    def __init__(
        self,
        make_link: Any,
        stage: Stage,
        socket_path: Path,
        agent_id: str,
        target: str,
        offline: Callable[[Callable[[Job], None]], Offline],
        seq_store: Callable[[int], None] | None = None,
        watcher: Callable[[Callable[[dict[str, Any]], None]], Watcher] | None = None,
    ) -> None:
        self.agent_id = agent_id
        self.target = target
        self.stage = stage
        self.socket_path = socket_path
        self.lanes = Lanes(stage, self._report, self._claim)
        self.offline = offline(self.lanes.submit)
        self.seq_store = seq_store
        self._saved_seq: int | None = None
        self.link: Link = make_link(
            on_activation=self.lanes.submit,
            on_lease=self._on_lease,
            on_update=self._on_update,
            on_connected=self._on_connected,
            on_event=self.offline.on_event,
            on_obs_events=self._watch_events,
        )
        # Made with the report it calls from its thread; None: OBS events are not watched.
        self.watcher = watcher(self._obs_event_seen) if watcher is not None else None
        self.obs_up = False
        self._deliveries: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._waiters: dict[str, asyncio.Event] = {}
        self._stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- running ------------------------------------------------------------------

    async def run(self) -> str | None:
        """Run until stopped (None) or the sign-in ends (its message)."""
        server = await serve(self.socket_path, self.handle)
        loop = asyncio.get_running_loop()
        self._loop = loop
        if self.watcher is not None:
            self.watcher.start()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self._stopping.set)
        link_task = asyncio.ensure_future(self.link.run())
        obs_task = asyncio.ensure_future(self._watch_obs())
        seq_task = asyncio.ensure_future(self._keep_seq())
        stop_task = asyncio.ensure_future(self._stopping.wait())
        outcome: str | None = None
        try:
            done, _ = await asyncio.wait(
                {link_task, stop_task}, return_when=asyncio.FIRST_COMPLETED
            )
            if link_task in done:
                exc = link_task.exception()
                if isinstance(exc, SignInEnded):
                    outcome = exc.message
                elif exc is not None:
                    raise exc
        finally:
            # Stopping (or signed out): end what shows now rather than leave it to the
            # next agent, so OBS is as it was before (docs/AGENT.md "Stream safety").
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.lanes.shutdown(), STOP_GRACE_S)
            server.close()
            with contextlib.suppress(FileNotFoundError):
                self.socket_path.unlink()
            self._save_seq()
            for task in (link_task, obs_task, stop_task, seq_task):
                task.cancel()
            for task in (link_task, obs_task, stop_task, seq_task):
                with contextlib.suppress(BaseException):
                    await task
            await self.lanes.close()
            await self.stage.close()
            if self.watcher is not None:
                await asyncio.to_thread(self.watcher.stop)
        return outcome

    def stop(self) -> None:
        self._stopping.set()

    async def _keep_seq(self) -> None:
        """Note the last event seen, so the next agent process resumes after it."""
        while True:
            await asyncio.sleep(SEQ_SAVE_EVERY_S)
            self._save_seq()

    def _save_seq(self) -> None:
        seq = self.link.last_seq
        if self.seq_store is not None and seq is not None and seq != self._saved_seq:
            with contextlib.suppress(OSError):
                self.seq_store(seq)
                self._saved_seq = seq

    async def _watch_obs(self) -> None:
        while True:
            try:
                await self.stage.check()
                if not self.obs_up:
                    self.obs_up = True
                    log.info("OBS is reachable at %s", self.target)
                    if self.link.holder:
                        await self._adopt()
            except Exception as exc:
                if self.obs_up:
                    log.warning("lost OBS: %s", exc)
                self.obs_up = False
            await asyncio.sleep(OBS_CHECK_EVERY_S)

    async def _adopt(self) -> None:
        try:
            self.lanes.adopt(await self.stage.recover())
        except Exception as exc:  # OBS went away again: the next reconnection adopts
            log.warning("could not read OBS's running record: %s", exc)

    async def _on_lease(self, holder: bool) -> None:
        if not holder:
            self._watch_events([])  # a standby watches nothing: one agent reports
        if holder and self.obs_up:
            await self._adopt()

    # -- OBS events (docs/AGENT.md "OBS events") ----------------------------------------

    def _watch_events(self, events: list[str]) -> None:
        if self.watcher is not None:
            self.watcher.watch(events)

    def _obs_event_seen(self, event: dict[str, Any]) -> None:
        """From the watcher's thread: send it from the loop."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: stopping
                self._loop.call_soon_threadsafe(self.link.report_obs_event, event)

    # -- delivery -------------------------------------------------------------------

    async def _claim(self, job: Job) -> bool:
        if self.offline.owns(job):
            return True
        return await self.link.claim(job)

    async def _report(self, job: Job, started: Started) -> None:
        if self.offline.owns(job):
            self.offline.drawn(job, started)
            return
        drawn = iso(started.drawn_at_ms) if started.drawn_at_ms else None
        log.info(
            "%s %s: %s%s",
            job.effect,
            job.key,
            started.status,
            f" ({started.reason})" if started.reason else "",
        )
        await self.link.report(Delivery(job.key, started.status, started.reason, drawn))

    def _on_connected(self, connected: bool) -> None:
        if connected:
            self.offline.sync_soon()
        else:
            self._watch_events([])  # the server says again what to watch once back

    def _on_update(self, activation: Mapping[str, Any]) -> None:
        delivery = activation.get("delivery")
        key = activation.get("id")
        if not isinstance(key, str) or not isinstance(delivery, Mapping):
            return
        if delivery.get("status") == "pending":
            return
        self._deliveries[key] = dict(delivery)
        self._deliveries.move_to_end(key)
        while len(self._deliveries) > KEEP_DELIVERIES:
            self._deliveries.popitem(last=False)
        waiter = self._waiters.get(key)
        if waiter is not None:
            waiter.set()

    async def wait_delivery(self, activation_id: str, timeout_ms: int) -> dict[str, Any] | None:
        if activation_id not in self._deliveries:
            event = self._waiters.setdefault(activation_id, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(timeout_ms, WAIT_LIMIT_MS) / 1000)
            self._waiters.pop(activation_id, None)
        return self._deliveries.get(activation_id)

    # -- the local socket -------------------------------------------------------------

    async def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        kind = request.get("type")
        if kind == "status":
            return {"ok": True, **self.status()}
        if kind == "fire":
            return await self._fire(request)
        if kind == "stop":
            effect = request.get("effect")
            if effect is not None and not isinstance(effect, str):
                return {"ok": False, "error": "`effect` must be an effect's slug."}
            stopped = await self.lanes.stop(effect)
            return {"ok": True, "stopped": [{"key": e.key, "effect": e.effect} for e in stopped]}
        return {"ok": False, "error": f"Unknown request type {str(kind)[:40]!r}."}

    def status(self) -> dict[str, Any]:
        return {
            "agentId": self.agent_id,
            "target": self.target,
            "pid": os.getpid(),
            "server": "connected" if self.link.connected else "unreachable",
            "state": "drawing" if self.link.holder else "standby",
            "obs": "connected" if self.obs_up else "unreachable",
            "obsEvents": self.watcher.watching if self.watcher is not None else [],
            "obsEventsReported": self.watcher.reported if self.watcher is not None else 0,
            "running": [
                {"key": e.key, "effect": e.effect, "untilMs": e.until_ms}
                for e in self.lanes.running()
            ],
        }

    async def _fire(self, request: dict[str, Any]) -> dict[str, Any]:
        message = {
            k: request[k]
            for k in ("effectId", "sessionId", "params", "idempotencyKey", "source")
            if request.get(k) is not None
        }
        try:
            answer = await self.link.trigger(message)
        except ConnectionError:
            return await self.offline.fire(request)
        if answer.get("type") != "triggered":
            return {"ok": False, "answer": answer}
        activation = answer.get("activation") or {}
        out: dict[str, Any] = {
            "ok": True,
            "activation": activation,
            "agent": self.status()["state"],
        }
        wait_ms = request.get("waitMs")
        if isinstance(wait_ms, int) and wait_ms > 0 and isinstance(activation.get("id"), str):
            out["delivery"] = await self.wait_delivery(activation["id"], wait_ms)
        return out
