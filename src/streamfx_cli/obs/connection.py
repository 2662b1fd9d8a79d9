"""One obs-websocket v5 connection: connect, authenticate, requests, batches.

obsws-python opens the socket and reads `Hello` (through `obsws_adapter`, the
only module that touches it); everything after that is done here because its
`ReqClient` cannot serve this bridge:
- it turns the 4009 "authentication failed" close frame into a JSON decode
  error, so a wrong password looks like any other failure;
- it reads "the next message" as the answer, which breaks as soon as a
  fire-and-forget `RequestBatch` answers later on the same socket;
- it has no `RequestBatch` (op 8) at all.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from types import TracebackType
from typing import Any

from .errors import ObsAuthFailed, ObsBusy, ObsError, ObsRequestFailed, ObsUnavailable
from .obsws_adapter import ObsSocket, SocketClosed

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4455

_OP_IDENTIFY = 1
_OP_IDENTIFIED = 2
_OP_REIDENTIFY = 3
_OP_EVENT = 5
_OP_REQUEST = 6
_OP_REQUEST_RESPONSE = 7
_OP_REQUEST_BATCH = 8
_OP_REQUEST_BATCH_RESPONSE = 9

CLOSE_AUTH_FAILED = 4009
STATUS_NOT_READY = 207
# OBS answers 207 while its frontend is still loading (right after start, or
# during a scene-collection change); that window is a few seconds at most.
_NOT_READY_RETRY_S = 3.0


class ExecutionType(IntEnum):
    """`RequestBatchExecutionType` of obs-websocket 5."""

    SERIAL_REALTIME = 0
    SERIAL_FRAME = 1
    PARALLEL = 2


@dataclass(frozen=True)
class RequestResult:
    """One answer inside a `RequestBatchResponse`."""

    request_type: str
    ok: bool
    code: int
    comment: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> RequestResult:
        status = payload.get("requestStatus", {})
        return cls(
            request_type=str(payload.get("requestType", "")),
            ok=bool(status.get("result", False)),
            code=int(status.get("code", 0)),
            comment=status.get("comment"),
            data=dict(payload.get("responseData") or {}),
            request_id=payload.get("requestId"),
        )

    def raise_for_status(self) -> None:
        if not self.ok:
            raise _request_error(self.request_type, self.code, self.comment)


def _request_error(request_type: str, code: int, comment: str | None) -> ObsRequestFailed:
    if code == STATUS_NOT_READY:
        return ObsRequestFailed(
            request_type,
            code,
            comment,
            message="OBS is still starting up: try again in a few seconds.",
        )
    return ObsRequestFailed(request_type, code, comment)


def _close_error(closed: SocketClosed) -> ObsError:
    if closed.code == CLOSE_AUTH_FAILED:
        return ObsAuthFailed()
    reason = f": {closed.reason}" if closed.reason else ""
    return ObsUnavailable(f"OBS closed the connection (code {closed.code}{reason}).")


def _auth_string(password: str, salt: str, challenge: str) -> str:
    secret = base64.b64encode(hashlib.sha256((password + salt).encode()).digest())
    return base64.b64encode(hashlib.sha256(secret + challenge.encode()).digest()).decode()


def request(request_type: str, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build one entry of a batch's `requests` list."""
    entry: dict[str, Any] = {"requestType": request_type}
    if data:
        entry["requestData"] = dict(data)
    return entry


def sleep_ms(millis: int) -> list[dict[str, Any]]:
    """`Sleep` entries for a SerialRealtime batch; OBS caps one at 50 s."""
    out: list[dict[str, Any]] = []
    remaining = max(0, int(millis))
    while remaining > 0:
        step = min(remaining, 50_000)
        out.append(request("Sleep", {"sleepMillis": step}))
        remaining -= step
    return out


def sleep_frames(frames: int) -> dict[str, Any]:
    """A `Sleep` entry for a SerialFrame batch."""
    return request("Sleep", {"sleepFrames": max(0, min(int(frames), 10_000))})


class ObsConnection:
    """An identified obs-websocket session; use it as a context manager.

    Connecting happens in the constructor and gives up after `timeout`
    seconds in total, so a hotkey never hangs when OBS is closed.
    """

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        password: str = "",
        *,
        timeout: float = 2.0,
        request_timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.request_timeout = request_timeout
        self.obs_websocket_version: str = ""
        self.rpc_version: int = 0
        self._ws: ObsSocket | None = None
        # True while a batch sent with wait=False may still be queued in OBS.
        self._unsynced = False
        # Events that came while reading answers, when `subscribe` asked for some; a few
        # only: nobody may be reading them.
        self._events: deque[dict[str, Any]] = deque(maxlen=32)
        self._connect(password, timeout)

    # -- connecting ---------------------------------------------------------

    def _connect(self, password: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        try:
            # Each socket step gets half the budget so connect + handshake +
            # Hello together stay near `timeout`.
            ws = ObsSocket.open(self.host, self.port, password, timeout / 2)
        except ConnectionError as exc:
            raise ObsUnavailable(
                f"OBS is not reachable at {self.host}:{self.port}: start OBS Studio and "
                "enable its WebSocket server (Tools > WebSocket Server Settings)."
            ) from exc
        self._ws = ws
        try:
            hello = ws.hello
            self.obs_websocket_version = str(hello.get("obsWebSocketVersion", ""))
            identify: dict[str, Any] = {"rpcVersion": 1, "eventSubscriptions": 0}
            auth = hello.get("authentication")
            if auth:
                identify["authentication"] = _auth_string(password, auth["salt"], auth["challenge"])
            ws.set_timeout(max(deadline - time.monotonic(), 0.05))
            ws.send(json.dumps({"op": _OP_IDENTIFY, "d": identify}))
            while True:
                text = ws.receive()
                if text is None:
                    continue
                message = json.loads(text)
                if message.get("op") == _OP_IDENTIFIED:
                    self.rpc_version = int(message["d"].get("negotiatedRpcVersion", 1))
                    break
            ws.set_timeout(self.request_timeout)
        except SocketClosed as closed:
            self._drop()
            raise _close_error(closed) from None
        except TimeoutError as exc:
            self._drop()
            # Hello comes from OBS's network thread, Identified from its worker
            # pool: a full pool (see `sync`) looks exactly like this.
            raise ObsUnavailable(
                f"OBS at {self.host}:{self.port} accepted the connection but did not let "
                f"StreamFX in within {timeout:g} s: it is frozen, or busy running as many "
                "timed effects as it has CPU cores."
            ) from exc
        except (OSError, ValueError, KeyError) as exc:
            self._drop()
            raise ObsUnavailable(
                f"OBS at {self.host}:{self.port} did not finish the WebSocket handshake."
            ) from exc

    # -- lifecycle ----------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._ws is not None and self._ws.connected

    def close(self) -> None:
        """Close politely but quickly; batches OBS has started (see `sync`) keep running."""
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.close(timeout=0.5)

    def _drop(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.abort()

    def __enter__(self) -> ObsConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- wire ---------------------------------------------------------------

    def _socket(self) -> ObsSocket:
        if self._ws is None:
            raise ObsUnavailable("The connection to OBS is closed: connect again.")
        return self._ws

    def _send(self, op: int, data: Mapping[str, Any]) -> None:
        try:
            self._socket().send(json.dumps({"op": op, "d": data}))
        except OSError as exc:
            self._drop()
            raise ObsUnavailable("The connection to OBS was lost: is OBS still running?") from exc

    def _receive(self, op: int, request_id: str | None, timeout: float) -> dict[str, Any]:
        """Read until the answer to `request_id`; skip answers nobody waits for.

        Fire-and-forget batches answer whenever OBS finishes them, so a
        stray op 9 can arrive before the answer wanted here. Events (only sent
        after `subscribe`) are kept for `take_event`.
        """
        ws = self._socket()
        deadline = time.monotonic() + timeout
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError()
                ws.set_timeout(remaining)
                text = ws.receive()
                if text is None:
                    continue
                message = json.loads(text)
                d = message.get("d", {})
                if message.get("op") == op and d.get("requestId") == request_id:
                    return dict(d)
                if message.get("op") == _OP_EVENT:
                    self._events.append(dict(d))
        except SocketClosed as closed:
            self._drop()
            raise _close_error(closed) from None
        except TimeoutError as exc:
            # The answer may still come later; the socket is out of step now.
            self._drop()
            raise ObsUnavailable(f"OBS did not answer within {timeout:g} s: is it frozen?") from exc
        except OSError as exc:
            self._drop()
            raise ObsUnavailable("The connection to OBS was lost: is OBS still running?") from exc
        finally:
            if self._ws is not None:
                self._ws.set_timeout(self.request_timeout)

    # -- events -------------------------------------------------------------

    def subscribe(self, event_subscriptions: int) -> None:
        """Ask OBS for these events from now on (obs-websocket's EventSubscription bits;
        0: none), forgetting any kept so far. Returns once OBS has taken it."""
        self._events.clear()
        self._send(_OP_REIDENTIFY, {"eventSubscriptions": int(event_subscriptions)})
        self._receive(_OP_IDENTIFIED, None, self.request_timeout)

    def take_event(self, event_type: str) -> dict[str, Any] | None:
        """The data of the oldest kept event of `event_type` (removed), or None.

        Events are read along with answers: send a request first to read what has come.
        """
        for event in self._events:
            if event.get("eventType") == event_type:
                self._events.remove(event)
                return dict(event.get("eventData") or {})
        return None

    def next_event(self, timeout: float) -> dict[str, Any] | None:
        """The oldest event (`{eventType, eventIntent, eventData}`) kept or arriving within
        `timeout` seconds; None when none came. For a connection that only listens (the
        agent's obs_events.py): answers arriving here are skipped.

        Raises ObsUnavailable when OBS closes the connection or goes away.
        """
        if self._events:
            return self._events.popleft()
        ws = self._socket()
        deadline = time.monotonic() + timeout
        try:
            while (remaining := deadline - time.monotonic()) > 0:
                ws.set_timeout(remaining)
                try:
                    text = ws.receive()
                except TimeoutError:
                    return None  # nothing was asked, so nothing is out of step
                if text is None:
                    continue
                message = json.loads(text)
                if message.get("op") == _OP_EVENT:
                    return dict(message.get("d") or {})
            return None
        except SocketClosed as closed:
            self._drop()
            raise _close_error(closed) from None
        except (OSError, ValueError) as exc:
            self._drop()
            raise ObsUnavailable("The connection to OBS was lost: is OBS still running?") from exc

    # -- requests -----------------------------------------------------------

    def call(
        self,
        request_type: str,
        data: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one request; return its `responseData` (empty dict if none).

        Raises ObsRequestFailed on an error status and retries briefly while
        OBS says it is not ready yet (207).
        """
        give_up = time.monotonic() + _NOT_READY_RETRY_S
        delay = 0.05
        while True:
            request_id = uuid.uuid4().hex
            payload: dict[str, Any] = {"requestType": request_type, "requestId": request_id}
            if data:
                payload["requestData"] = dict(data)
            self._send(_OP_REQUEST, payload)
            answer = self._receive(
                _OP_REQUEST_RESPONSE, request_id, timeout or self.request_timeout
            )
            result = RequestResult.from_payload(answer)
            if result.code == STATUS_NOT_READY and time.monotonic() + delay < give_up:
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
                continue
            result.raise_for_status()
            return result.data

    def sync(self, timeout: float = 2.0) -> None:
        """Return once OBS has started every message sent so far.

        obs-websocket hands each message to a worker pool with one thread per
        CPU core, in order, and silently drops a message still waiting there
        when its client disconnects. A batch that sleeps holds its thread
        until it ends, so a fire-and-forget batch is only safe once a request
        sent after it has been answered; closing straight away loses some.
        Raises ObsBusy if OBS does not get to it within `timeout` seconds.
        """
        if not self._unsynced:
            return
        try:
            self.call("GetVersion", timeout=timeout)
        except ObsUnavailable as exc:
            if isinstance(exc.__cause__, TimeoutError):
                raise ObsBusy(
                    f"OBS did not take the effect within {timeout:g} s: it is busy running "
                    "as many timed effects as it has CPU cores, so this one may show late "
                    "or not at all."
                ) from exc
            raise
        self._unsynced = False

    def batch(
        self,
        requests: Iterable[Mapping[str, Any]],
        halt_on_failure: bool = False,
        execution_type: ExecutionType = ExecutionType.SERIAL_REALTIME,
        *,
        wait: bool = True,
        timeout: float | None = None,
    ) -> list[RequestResult]:
        """Send a `RequestBatch` (op 8) and return one result per request run.

        With `wait=False` the batch is only sent, and its answer is skipped
        later. Call `sync()` before disconnecting: from then on OBS runs it to
        the end even if this process exits or is killed.
        """
        entries = [dict(r) for r in requests]
        if timeout is None:
            timeout = self.request_timeout + _sleep_budget(entries, execution_type)
        give_up = time.monotonic() + _NOT_READY_RETRY_S
        delay = 0.05
        while True:
            request_id = uuid.uuid4().hex
            self._send(
                _OP_REQUEST_BATCH,
                {
                    "requestId": request_id,
                    "haltOnFailure": halt_on_failure,
                    "executionType": int(execution_type),
                    "requests": entries,
                },
            )
            if not wait:
                self._unsynced = True
                return []
            answer = self._receive(_OP_REQUEST_BATCH_RESPONSE, request_id, timeout)
            results = [RequestResult.from_payload(r) for r in answer.get("results", [])]
            not_ready = bool(results) and all(r.code == STATUS_NOT_READY for r in results)
            if not_ready and time.monotonic() + delay < give_up:
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
                continue
            return results


def _sleep_budget(entries: list[dict[str, Any]], execution_type: ExecutionType) -> float:
    """Seconds the batch's Sleep requests may take, to size the answer timeout."""
    total = 0.0
    for entry in entries:
        if entry.get("requestType") != "Sleep":
            continue
        data = entry.get("requestData", {})
        total += data.get("sleepMillis", 0) / 1000
        # Frame timing depends on the canvas fps; 10 fps is a safe floor.
        total += data.get("sleepFrames", 0) / 10
    return total
