"""Fires while the server is down: drawn from the cache, journaled, replayed once.

docs/AGENT.md "The local socket and server-down fires". A `fire` the agent cannot
trigger over its link (the server is down) is checked against the cache (known
effect, no parameters, not cooling down), written to the journal, and drawn
through the same lanes as any activation under a key of its own (`local:` + its
idempotency key), which needs no claim. Its delivery is journaled the moment the
lanes report it. Whenever the link (re)connects, the cache is refreshed and the
journal replayed: each entry once, in order, as `POST /api/effects/trigger` with
its idempotency key, `occurredAt` and delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .cache import Cache
from .job import Job
from .journal import Journal
from .running import now_ms
from .stage import Started

log = logging.getLogger("streamfx.agent")

LOCAL = "local:"
# Pushed events after which the cached renders or live session may be out of date
# (settings.updated: the active brand kit, which renders follow, may have changed).
REFRESH_AFTER = ("brandKit.updated", "session.updated", "effect.updated", "settings.updated")
DRAW_TIMEOUT_S = 10.0


def iso(ms: int) -> str:
    """Wall-clock milliseconds as the API's ISO 8601 (UTC, milliseconds, `Z`)."""
    return (
        datetime.fromtimestamp(ms / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


@dataclass
class ServerCalls:
    """The blocking HTTP calls this needs (run in threads)."""

    # -> GET /api/effects/renders, plus "liveSessionId"
    read_cache: Callable[[], dict[str, Any]]
    # a journal entry's trigger body -> (HTTP status, answer); raises when unreachable
    replay: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


class Offline:
    def __init__(
        self, calls: ServerCalls, cache: Cache, journal: Journal, submit: Callable[[Job], None]
    ) -> None:
        self.calls = calls
        self.cache = cache
        self.journal = journal
        self._submit = submit
        self._drawing: dict[str, asyncio.Future[Started]] = {}
        self._syncing: asyncio.Future[None] | None = None

    # -- the lanes' side ----------------------------------------------------------------

    @staticmethod
    def owns(job: Job) -> bool:
        """A fire drawn while the server is down: nobody else can have it, no claim."""
        return job.key.startswith(LOCAL)

    def drawn(self, job: Job, started: Started) -> None:
        """The lanes' report of one of ours: journal its delivery, answer its `fire`."""
        key = job.key.removeprefix(LOCAL)
        delivery: dict[str, Any] = {"status": started.status}
        if started.reason:
            delivery["reason"] = started.reason[:500]
        if started.drawn_at_ms:
            delivery["drawnAt"] = iso(started.drawn_at_ms)
        self.journal.add_delivery(key, delivery)
        waiting = self._drawing.pop(job.key, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(started)

    # -- fires --------------------------------------------------------------------------

    async def fire(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Draw a fire from the cache and journal it; the answer for `streamfx fire`."""
        effect = self.cache.find(str(request.get("effectId") or ""))
        if effect is None or effect.id not in self.cache.renders:
            name = str(request.get("effectId"))[:100]
            return _refused(
                f"The server cannot be reached, and the agent has no copy of {name!r} to draw."
            )
        if request.get("params"):
            return _refused(
                "The server cannot be reached, and only the server can apply parameters: "
                "fire it without --param, or once the server is back."
            )
        waiting = self.cache.cooling_down_ms(effect)
        if waiting:
            return _refused(f"{effect.name} is cooling down: {waiting / 1000:.1f} s left.")
        key = str(request.get("idempotencyKey") or secrets.token_hex(16))
        now = now_ms()
        fire = {
            "idempotencyKey": key,
            "effectId": effect.id,
            "sessionId": request.get("sessionId") or self.cache.live_session_id,
            "source": request.get("source") or "cli",
            "occurredAt": iso(now),
        }
        self.journal.add_fire(fire)  # before the draw: a crash mid-way loses nothing drawn
        self.cache.saw_fire(effect.id, now)
        render = self.cache.renders[effect.id]
        job = Job(LOCAL + key, render, now)
        outcome: asyncio.Future[Started] = asyncio.get_running_loop().create_future()
        self._drawing[job.key] = outcome
        self._submit(job)
        try:
            started = await asyncio.wait_for(asyncio.shield(outcome), DRAW_TIMEOUT_S)
        except TimeoutError:
            return _refused(f"The agent did not get to draw it within {DRAW_TIMEOUT_S:g} s.")
        delivery: dict[str, Any] = {"status": started.status, "reason": started.reason}
        if started.drawn_at_ms:
            delivery["drawnAt"] = iso(started.drawn_at_ms)
            delivery["latencyMs"] = max(0, started.drawn_at_ms - now)
        activation = {"id": None, "effectId": effect.id, "render": render, "source": fire["source"]}
        return {"ok": True, "offline": True, "activation": activation, "delivery": delivery}

    # -- the cache and the journal --------------------------------------------------------

    def on_event(self, message: Mapping[str, Any]) -> None:
        """Every pushed event: fires feed the cooldowns; changes refresh the cache."""
        kind = message.get("type")
        if kind == "effect.triggered":
            activation = message.get("activation") or {}
            with contextlib.suppress(KeyError, ValueError, TypeError):
                job = Job.from_activation(activation)
                self.cache.saw_fire(str(activation["effectId"]), job.triggered_ms)
        elif kind in REFRESH_AFTER:
            self.sync_soon()

    def sync_soon(self) -> None:
        """Refresh the cache and send the journal (once at a time)."""
        if self._syncing is None or self._syncing.done():
            self._syncing = asyncio.ensure_future(self._sync())

    async def _sync(self) -> None:
        try:
            data = await asyncio.to_thread(self.calls.read_cache)
            self.cache.take(data)
            await asyncio.to_thread(self.cache.save)
        except Exception as exc:  # the server went away again: the next connection retries
            log.warning("could not refresh the agent's cache: %s", exc)
        await self._replay()

    async def _replay(self) -> None:
        done: set[str] = set()
        for entry in self.journal.entries():
            if entry.delivery is None and LOCAL + entry.key in self._drawing:
                continue  # still being drawn: it goes with the next replay
            try:
                status, answer = await asyncio.to_thread(self.calls.replay, entry.body())
            except Exception as exc:
                log.warning("the journal waits for the server: %s", exc)
                break
            if status in (200, 201):
                done.add(entry.key)
                log.info("journal: %s recorded as %s", entry.fire.get("effectId"), answer.get("id"))
            elif 400 <= status < 500 and status not in (401, 408, 429):
                self.journal.refuse(entry, str(answer.get("error") or status))
                done.add(entry.key)
                log.warning("journal: the server refused a fire for good: %s", answer.get("error"))
            else:
                break  # try again on the next connection
        if done:
            self.journal.drop(done)


def _refused(error: str) -> dict[str, Any]:
    return {"ok": False, "error": error}
