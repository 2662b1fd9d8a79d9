"""The agent's WebSocket to the server: sign in, resume, hold the lease, claim, report.

One connection as the creator (docs/AGENT.md): `auth` with `since` (the last seq
it saw, so nothing is missed across reconnects), then `agent.hello`; the server
answers `agent.lease` (holder or standby) and later tells a standby when it takes
over. While holder, every `effect.triggered` goes to `on_activation`; the lanes
then `claim` each one just before drawing and `report` its delivery.

A standby keeps the activations it saw for as long as they may still be drawn
(their `maxDelayMs`); on taking over it hands them on too, so a burst that was
under way when the holder died is finished, and the claim makes sure nothing is
drawn twice. Deliveries that cannot be sent (the server is restarting) wait in
an outbox and go when the link is back; a repeat is refused by the server (409),
which is fine.

When the sign-in is ended (logout elsewhere, a reused refresh token), `run`
raises `SignInEnded`; the server drops the lease with the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from streamfx_wire import live as wire

from .. import live_socket
from ..errors import NotLoggedIn, StreamFXError
from .job import Job
from .offline import iso
from .running import now_ms

log = logging.getLogger("streamfx.agent")

RETRY_DELAYS = (0.1, 0.25, 0.5, 1.0)
OPEN_TIMEOUT = live_socket.OPEN_TIMEOUT
ANSWER_TIMEOUT = 5.0
# Quicker than the other clients': a standby agent takes over when this one is gone.
PING_INTERVAL = 2.0
PING_TIMEOUT = 4.0

HELLO = wire.AGENT_HELLO
LEASE = wire.AGENT_LEASE
CLAIM = wire.CLAIM
DELIVERY = wire.DELIVERY


def _ignore_failure(task: asyncio.Future[Any]) -> None:
    """A send that failed as the link went down: the event is dropped, as documented."""
    if not task.cancelled():
        task.exception()


class SignInEnded(Exception):
    """The agent's sign-in is gone: it cannot draw for anyone any more."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Refused(Exception):
    """The server refused the token: refresh it and connect again."""


@dataclass
class Delivery:
    activation_id: str
    status: str
    reason: str | None = None
    drawn_at: str | None = None  # ISO 8601, UTC

    def message(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": DELIVERY,
            "activationId": self.activation_id,
            "status": self.status,
        }
        if self.reason:
            out["reason"] = self.reason[:500]
        if self.drawn_at:
            out["drawnAt"] = self.drawn_at
        return out


class Link:
    def __init__(
        self,
        url: str,
        token: Callable[[], str],
        refresh: Callable[[str], str],
        agent_id: str,
        target: str,
        on_activation: Callable[[Job], None],
        on_lease: Callable[[bool], Awaitable[None]] | None = None,
        on_connected: Callable[[bool], None] | None = None,
        on_update: Callable[[Mapping[str, Any]], None] | None = None,
        on_event: Callable[[Mapping[str, Any]], None] | None = None,
        on_obs_events: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.url = url
        self.agent_id = agent_id
        self.target = target
        self.holder = False
        self.connected = False
        self.last_seq: int | None = None
        self._token = token
        self._refresh = refresh
        self._on_activation = on_activation
        self._on_lease = on_lease
        self._on_connected = on_connected
        self._on_update = on_update
        self._on_event = on_event
        self._on_obs_events = on_obs_events
        self._ws: Any = None
        self._ids = itertools.count(1)
        self._answers: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._outbox: list[Delivery] = []
        self._seen: dict[str, Job] = {}  # standby: activations that may still be drawn
        self._flushing: asyncio.Future[None] | None = None
        self._ready_seq = 0

    # -- asking the server --------------------------------------------------------

    async def claim(self, job: Job) -> bool:
        """True when this agent may draw `job`; False if another agent has it or the link is down."""
        try:
            answer = await self._ask({"type": CLAIM, "activationId": job.key})
        except (ConnectionError, TimeoutError):
            return False
        return bool(answer.get("ok"))

    async def report(self, delivery: Delivery) -> None:
        """Send a delivery now, or as soon as the link is back."""
        if not await self._send_delivery(delivery):
            self._outbox.append(delivery)

    async def _send_delivery(self, delivery: Delivery) -> bool:
        try:
            answer = await self._ask(delivery.message())
        except (ConnectionError, TimeoutError):
            return False
        if answer.get("type") == wire.ERROR and answer.get("httpStatus") != 409:
            log.warning("the server refused a delivery report: %s", answer.get("error"))
        return True

    async def trigger(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """Send a `trigger` message; the server's answer (`triggered` or `error`).

        Raises ConnectionError when the link is down.
        """
        try:
            return await self._ask({**message, "type": wire.TRIGGER})
        except TimeoutError as exc:
            raise ConnectionError("the server did not answer in time") from exc

    def report_obs_event(self, event: Mapping[str, Any]) -> None:
        """Send an OBS event the creator's rules wait for (docs/AGENT.md "OBS events");
        dropped unless this agent holds the lease and the link is up: a rule fires for
        what happens now, not for what happened while the server was away."""
        ws = self._ws
        if ws is None or not self.holder:
            return
        message = {"type": wire.AGENT_OBS_EVENT, **event, "at": iso(now_ms())}
        task = asyncio.ensure_future(ws.send(json.dumps(message)))
        task.add_done_callback(_ignore_failure)

    async def _ask(self, message: dict[str, Any]) -> dict[str, Any]:
        ws = self._ws
        if ws is None:
            raise ConnectionError("not connected")
        ident = f"a{next(self._ids)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[ident] = future
        try:
            await ws.send(json.dumps({**message, "id": ident}))
            return await asyncio.wait_for(future, ANSWER_TIMEOUT)
        except Exception as exc:
            if isinstance(exc, TimeoutError):
                raise
            raise ConnectionError(str(exc)) from exc
        finally:
            self._answers.pop(ident, None)

    # -- the connection -------------------------------------------------------------

    async def run(self) -> None:
        """Stay connected until cancelled; raises SignInEnded when the sign-in is gone."""
        failures = 0
        stale: str | None = None
        while True:
            try:
                if stale is not None:
                    token = await asyncio.to_thread(self._refresh, stale)
                else:
                    token = await asyncio.to_thread(self._token)
                stale = None
            except NotLoggedIn as exc:
                raise SignInEnded(exc.message) from None
            except StreamFXError as exc:
                log.info("cannot reach the server yet: %s", exc.message)
                await asyncio.sleep(RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)])
                failures += 1
                continue
            was_live = False
            try:
                was_live = await self._session(token)
            except _Refused:
                stale = token
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.info("lost the server link: %s", type(exc).__name__)
            finally:
                self._disconnected()
            if was_live:
                failures = 0
            await asyncio.sleep(RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)])
            failures += 1

    def _disconnected(self) -> None:
        self._ws = None
        if self.connected and self._on_connected is not None:
            self._on_connected(False)
        self.connected = False
        self.holder = False
        for future in self._answers.values():
            if not future.done():
                future.set_exception(ConnectionError("the link closed"))

    async def _session(self, token: str) -> bool:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        live = False
        try:
            async with connect(self.url, **live_socket.options(PING_INTERVAL, PING_TIMEOUT)) as ws:
                await ws.send(json.dumps(live_socket.auth(token, self.last_seq)))
                first = json.loads(await asyncio.wait_for(ws.recv(), OPEN_TIMEOUT))
                if first.get("type") != wire.READY:
                    if first.get("httpStatus") == 401 or first.get("code") in wire.TOKEN_REFUSED:
                        raise _Refused()
                    raise ConnectionError(str(first.get("error", "unexpected first message")))
                ready_seq = int(first.get("seq") or 0)
                if self.last_seq is None:
                    self.last_seq = ready_seq
                self._ready_seq = ready_seq
                await ws.send(
                    json.dumps({"type": HELLO, "agentId": self.agent_id, "target": self.target})
                )
                self._ws = ws
                self.connected = live = True
                if self._on_connected is not None:
                    self._on_connected(True)
                self._flushing = asyncio.ensure_future(self._flush_outbox())
                async for raw in ws:
                    with contextlib.suppress(ValueError):
                        message = json.loads(raw)
                        if isinstance(message, dict):
                            await self._dispatch(message)
        except ConnectionClosed as exc:
            if exc.rcvd is not None and exc.rcvd.code == wire.CLOSE_UNAUTHORIZED:
                raise _Refused() from None
            raise
        return live

    async def _flush_outbox(self) -> None:
        pending, self._outbox = self._outbox, []
        for delivery in pending:
            await self.report(delivery)

    async def _dispatch(self, message: Mapping[str, Any]) -> None:
        kind = message.get("type")
        if isinstance(message.get("seq"), int):
            self.last_seq = int(message["seq"])
        ident = message.get("id")
        if isinstance(ident, str) and ident in self._answers:
            future = self._answers[ident]
            if not future.done():
                future.set_result(dict(message))
            return
        if self._on_event is not None and "seq" in message:
            self._on_event(message)
        if kind == wire.RESYNC:
            # The log no longer has what came after our seq (or it is another server's
            # database): go on from `ready`; what was missed is too old to draw anyway.
            self.last_seq = self._ready_seq
        elif kind == wire.EFFECT_TRIGGERED:
            self._activation(message.get("activation"))
        elif kind == wire.ACTIVATION_UPDATED and self._on_update is not None:
            activation = message.get("activation")
            if isinstance(activation, Mapping):
                self._on_update(activation)
        elif kind == LEASE:
            await self._lease(bool(message.get("holder")))
        elif kind == wire.AGENT_OBS_EVENTS and self._on_obs_events is not None:
            events = message.get("events")
            if self.holder and isinstance(events, list):
                self._on_obs_events([e for e in events if isinstance(e, str)])
        elif kind == wire.ERROR and message.get("httpStatus") == 401:
            raise _Refused()

    def _activation(self, activation: Any) -> None:
        if not isinstance(activation, Mapping) or not isinstance(activation.get("render"), Mapping):
            return
        if activation["render"].get("kind") == "overlay":
            return  # overlay pages draw and acknowledge those
        try:
            job = Job.from_activation(activation)
        except (KeyError, ValueError):
            return
        if job.age_ms(now_ms()) > job.max_delay_ms:
            return  # too late to draw: the server records it `expired`
        if self.holder:
            self._on_activation(job)
        else:
            self._seen[job.key] = job
            self._forget_old()

    def _forget_old(self) -> None:
        now = now_ms()
        for key in [k for k, j in self._seen.items() if j.age_ms(now) > j.max_delay_ms]:
            del self._seen[key]

    async def _lease(self, holder: bool) -> None:
        was, self.holder = self.holder, holder
        if holder and not was:
            log.info("holding the drawing lease for %s", self.target)
            self._forget_old()
            seen, self._seen = self._seen, {}
            if self._on_lease is not None:
                await self._on_lease(True)
            for job in sorted(seen.values(), key=lambda j: j.triggered_ms):
                self._on_activation(job)
        elif was and not holder and self._on_lease is not None:
            await self._on_lease(False)
