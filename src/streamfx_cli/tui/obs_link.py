"""One OBS connection kept open for as long as the panel runs, re-established by itself.

`streamfx fire` connects once per effect (about 4 ms on loopback); a panel open
for a whole stream instead keeps one identified connection, checks it every
second, and when OBS goes away retries quickly (0.25 s, 0.5 s, then every
second), so it is back at most about two seconds after OBS is. A refused
password (close code 4009) is not retried in a loop: it waits for `retry_now()`
(the panel's "reconnect OBS" key), by which time the password may be fixed.

The connection is synchronous (websocket-client under obsws-python), so every
blocking step runs in a worker thread under one lock: checks, connects, draws
and the visibility check after a draw (`draw_and_see`) never interleave on the
socket. `run()` is the supervisor coroutine (a
Textual worker of the app's); every state change is posted to the app as an
`ObsStateChanged` message, from whichever thread noticed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..errors import StreamFXError
from .messages import ObsStateChanged
from .state import ObsState

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from ..obs import ObsConnection
    from ..obs.draw import Drawn
    from ..obs.visibility import Visibility
    from ..obs_settings import ObsSettings

RETRY_DELAYS = (0.25, 0.5, 1.0)  # then 1.0 s for as long as OBS stays away
HEALTH_INTERVAL = 1.0
CHECK_TIMEOUT = 2.0
# After losing OBS, "reconnecting" turns into "down" once it has stayed away this long.
DOWN_AFTER = 6.0
# obs-websocket runs every request on a pool of one thread per CPU core, and each
# timed effect holds a thread until it ends (docs/CLI.md). While effects this panel
# started are still running, OBS may have no thread free to answer a check, and a
# check that times out drops the connection: so checks wait for short effects to end.
# A long one (a five-minute "brb") holds one thread only, so checks go on meanwhile.
SHORT_EFFECT_S = 15.0

# Seconds the connect to OBS may take: the same budget as `streamfx fire`.
OBS_CONNECT_TIMEOUT_S = 1.5

ObsFactory = Callable[[], "ObsConnection"]


class DefaultObsFactory:
    """OBS where `streamfx obs config` (or STREAMFX_OBS_URL/PASSWORD) says it is.

    The address and password are read once and kept: while OBS is away the panel
    retries every second, and the password may live in a keyring that should not
    be asked that often. `forget()` (the "reconnect OBS" key, a refused password)
    reads them again, so a password fixed with `streamfx obs config` is picked up.
    """

    def __init__(self) -> None:
        self._settings: ObsSettings | None = None

    def forget(self) -> None:
        self._settings = None

    def __call__(self) -> ObsConnection:
        from ..obs import ObsConnection
        from ..obs_settings import load_settings

        if self._settings is None:
            self._settings = load_settings()
        settings = self._settings
        return ObsConnection(
            settings.host, settings.port, settings.password, timeout=OBS_CONNECT_TIMEOUT_S
        )


def _message(exc: BaseException) -> str:
    if isinstance(exc, StreamFXError):
        return exc.message
    return str(exc) or type(exc).__name__


def effect_seconds(render: Mapping[str, Any]) -> float:
    """How long drawing `render` keeps an OBS worker thread (its batch sleeps that long)."""
    from ..obs.draw import DEFAULT_DURATION_MS

    kind = str(render.get("kind", ""))
    if kind == "scene":
        return int(render.get("returnAfterMs") or 0) / 1000
    if kind in ("hotkey", "overlay"):
        return 0.0
    ms = int(render.get("durationMs") or 0) or DEFAULT_DURATION_MS.get(kind, 0)
    return ms / 1000


@dataclass(frozen=True)
class Seen:
    """An effect OBS started: whether viewers can see it, and when OBS confirmed the start
    (ISO 8601, UTC), as `streamfx fire` reports them (docs/AGENT.md "Delivery record")."""

    visibility: Visibility
    drawn_at: str


class ObsLink:
    def __init__(self, factory: ObsFactory, report_to: MessagePump) -> None:
        self._factory = factory
        self._report_to = report_to
        self._lock = threading.Lock()
        self._conn: ObsConnection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._closed = False
        self.state = ObsState("connecting")
        self.connections_made = 0  # how many times the factory gave a connection
        self.draws = 0  # how many effects OBS started on it
        self._busy_until = 0.0  # time.monotonic() when the last short effect we sent ends

    # -- the supervisor (runs on the event loop) ---------------------------------

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        failures = 0
        lost_at: float | None = None
        ever_connected = False
        while not self._closed:
            if not self._has_connection():
                try:
                    versions = await asyncio.to_thread(self._connect)
                except Exception as exc:
                    from ..obs import ObsAuthFailed

                    if isinstance(exc, ObsAuthFailed):
                        self._forget_settings()
                        self._report(ObsState("down", detail=_message(exc), waiting=True))
                        await self._sleep(None)  # until retry_now()
                        failures = 0
                        continue
                    now = time.monotonic()
                    if lost_at is None:
                        lost_at = now
                    status = (
                        "reconnecting" if ever_connected and now - lost_at < DOWN_AFTER else "down"
                    )
                    self._report(ObsState(status, detail=_message(exc)))
                    delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
                    failures += 1
                    await self._sleep(delay)
                    continue
                failures, lost_at, ever_connected = 0, None, True
                self._report(ObsState("connected", *versions))
            await self._sleep(HEALTH_INTERVAL)
            if self._closed:
                break
            if self._has_connection():
                if time.monotonic() < self._busy_until:
                    continue
                healthy = await asyncio.to_thread(self._check)
                if not healthy:
                    lost_at = time.monotonic()
                    self._report(ObsState("reconnecting", detail="The connection to OBS was lost."))
            else:
                lost_at = lost_at or time.monotonic()

    async def _sleep(self, seconds: float | None) -> None:
        assert self._wake is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    def retry_now(self) -> None:
        """Try OBS again at once (also after a refused password). Thread-safe."""
        self._forget_settings()
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def _forget_settings(self) -> None:
        forget = getattr(self._factory, "forget", None)
        if callable(forget):
            forget()

    def _report(self, state: ObsState) -> None:
        """Post a new state to the app (from any thread: posting is thread-safe)."""
        self.state = state
        self._report_to.post_message(ObsStateChanged(state))

    # -- blocking parts (worker threads) ------------------------------------------

    def _has_connection(self) -> bool:
        conn = self._conn
        return conn is not None and conn.connected

    def _connect(self) -> tuple[str, str]:
        with self._lock:
            return self._connect_locked()

    def _connect_locked(self) -> tuple[str, str]:
        self._drop_locked()
        if self._closed:
            raise StreamFXError("The panel is closing.")
        conn = self._factory()
        try:
            version = conn.call("GetVersion", timeout=CHECK_TIMEOUT)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self.connections_made += 1
        return (
            str(version.get("obsVersion", "")),
            str(version.get("obsWebSocketVersion", "") or conn.obs_websocket_version),
        )

    def _drop_locked(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _check(self) -> bool:
        from ..obs import ObsError

        with self._lock:
            conn = self._conn
            if conn is None:
                return False
            try:
                conn.call("GetVersion", timeout=CHECK_TIMEOUT)
            except ObsError:
                self._drop_locked()
                return False
            return True

    def draw(self, render: Mapping[str, Any], asset_path: str | None = None) -> bool:
        """Draw `render` on the kept connection (blocking: call from a worker thread).

        Connects first if the connection is gone. A connection that went stale
        since the last check (OBS restarted in between) is replaced once.
        Raises the bridge's ObsError subclasses.
        """
        with self._lock:
            return self._draw_held(render, asset_path) is not None

    def draw_and_see(self, render: Mapping[str, Any], asset_path: str | None = None) -> Seen:
        """`draw`, then ask OBS whether viewers can see it, under the same hold of the lock
        (the check is the next request on the socket). A check that fails raises like a
        draw that fails; the draw itself is never sent twice."""
        from ..obs.visibility import delivery_for

        with self._lock:
            drawn = self._draw_held(render, asset_path)
            drawn_at = datetime.now(UTC).isoformat(timespec="milliseconds")
            assert self._conn is not None
            note = drawn.note if drawn else None  # a font fallback, a replay's file
            return Seen(delivery_for(str(render.get("kind", "")), self._conn, note), drawn_at)

    def _draw_held(self, render: Mapping[str, Any], asset_path: str | None) -> Drawn | None:
        """`draw`'s steps; the caller holds the lock."""
        from ..obs import ObsUnavailable
        from ..obs.draw import draw_noted as draw

        fresh = False
        if self._conn is None or not self._conn.connected:
            versions = self._connect_locked()
            fresh = True
            self._report(ObsState("connected", *versions))
        assert self._conn is not None
        try:
            return self._draw_locked(draw, render, asset_path)
        except ObsUnavailable:
            self._drop_locked()
            if fresh:
                self._report(ObsState("reconnecting", detail="The connection to OBS was lost."))
                self.retry_now()
                raise
        # The kept connection was stale: one more try on a new one.
        try:
            versions = self._connect_locked()
        except BaseException:
            self._report(ObsState("reconnecting", detail="The connection to OBS was lost."))
            self.retry_now()
            raise
        self._report(ObsState("connected", *versions))
        return self._draw_locked(draw, render, asset_path)

    def _draw_locked(
        self,
        draw: Callable[..., Drawn | None],
        render: Mapping[str, Any],
        asset_path: str | None,
    ) -> Drawn | None:
        assert self._conn is not None
        drawn = draw(self._conn, render, asset_path)
        self.draws += 1
        hold = effect_seconds(render)
        if 0 < hold <= SHORT_EFFECT_S:
            self._busy_until = max(self._busy_until, time.monotonic() + hold + 0.5)
        return drawn

    def close(self) -> None:
        """Stop supervising and close the connection (blocking up to ~0.5 s)."""
        self._closed = True
        self.retry_now()
        with self._lock:
            self._drop_locked()
