"""The one place StreamFX touches obsws-python (and the websocket-client socket under it).

obsws-python is the project's OBS library, but its `ReqClient` cannot serve
the bridge (`connection.py` says why), so the bridge uses only its
`baseclient.ObsClient` to open the socket and read OBS's `Hello`, then speaks
obs-websocket over that socket itself: Identify, requests (op 6) and
`RequestBatch` (op 8). What is relied on, pinned by
tests/unit/test_obsws_adapter.py so an upgrade that changes it fails loudly:

- `ObsClient(host=, port=, password=, timeout=)` connects and reads Hello in its
  constructor, and with any of host, port or password given it reads no
  config.toml;
- `ObsClient.ws` is that open `websocket.WebSocket`, `ObsClient.server_hello`
  the decoded Hello;
- it logs through `obsws_python.baseclient.ObsClient`, the password included
  at INFO on every connect;
- websocket-client's `send`, `recv_data_frame(True)` (a close frame comes back
  as `ABNF.OPCODE_CLOSE`, its data the status code and reason), `settimeout`,
  `close(timeout=)`, `shutdown`, `connected`, and its exceptions
  (`WebSocketTimeoutException` is a `WebSocketException`).

Errors leave as the standard library's: TimeoutError when OBS does not answer
in time, ConnectionError (an OSError) when the socket fails, and
`SocketClosed` when OBS closes the connection, with its code.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import websocket
from obsws_python.baseclient import ObsClient

# obsws-python logs the password at INFO on every connect: keep it at WARNING.
_obsws_logger = logging.getLogger("obsws_python")
_obsws_logger.setLevel(logging.WARNING)
if not any(isinstance(h, logging.NullHandler) for h in _obsws_logger.handlers):
    _obsws_logger.addHandler(logging.NullHandler())
OBSCLIENT_LOGGER = "obsws_python.baseclient.ObsClient"


def _not_a_connect_traceback(record: logging.LogRecord) -> bool:
    """Drop ObsClient's ERROR traceback for a failed connect.

    ObsConnection turns that failure into ObsUnavailable with a sentence for
    a person; the traceback would only land on the streamer's terminal.
    """
    return not (
        record.exc_info and isinstance(record.exc_info[1], OSError | websocket.WebSocketException)
    )


logging.getLogger(OBSCLIENT_LOGGER).addFilter(_not_a_connect_traceback)


class SocketClosed(Exception):
    """OBS sent a close frame (4009: authentication failed)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"closed with code {code}: {reason}")
        self.code = code
        self.reason = reason


@contextmanager
def _standard_errors() -> Iterator[None]:
    """websocket-client's exceptions as TimeoutError and ConnectionError."""
    try:
        yield
    except websocket.WebSocketTimeoutException as exc:
        raise TimeoutError(str(exc) or "timed out") from exc
    except websocket.WebSocketException as exc:
        raise ConnectionError(str(exc) or type(exc).__name__) from exc


class ObsSocket:
    """An open WebSocket to obs-websocket, after its `Hello` (not yet identified)."""

    def __init__(self, ws: websocket.WebSocket, hello: dict[str, Any]) -> None:
        self._ws = ws
        self.hello = hello  # the Hello's `d`: obsWebSocketVersion, authentication, …

    @classmethod
    def open(cls, host: str, port: int, password: str, timeout: float) -> ObsSocket:
        """Connect and read Hello, each socket step within `timeout` seconds.

        Raises ConnectionError (from the cause) when OBS cannot be reached or
        does not say Hello.
        """
        try:
            # Host, port and password are always explicit: with none of them
            # ObsClient would read a config.toml from the working directory.
            client = ObsClient(host=host, port=port, password=password, timeout=timeout)
            ws: websocket.WebSocket = client.ws
            hello = client.server_hello
        except (OSError, websocket.WebSocketException, ValueError) as exc:
            raise ConnectionError(f"cannot open ws://{host}:{port}: {exc!r}") from exc
        data = hello.get("d") if isinstance(hello, dict) else None
        return cls(ws, data if isinstance(data, dict) else {})

    @property
    def connected(self) -> bool:
        return bool(self._ws.connected)

    def set_timeout(self, seconds: float) -> None:
        """How long `send` and `receive` may block from now on."""
        self._ws.settimeout(seconds)

    def send(self, text: str) -> None:
        with _standard_errors():
            self._ws.send(text)

    def receive(self) -> str | None:
        """The next text message; None for a frame of another kind (ping, pong, binary).

        Raises SocketClosed for a close frame.
        """
        with _standard_errors():
            opcode, frame = self._ws.recv_data_frame(True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            data: bytes = frame.data
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 0
            raise SocketClosed(code, data[2:].decode("utf-8", "replace").strip())
        if opcode != websocket.ABNF.OPCODE_TEXT:
            return None
        data = frame.data
        return data.decode("utf-8") if isinstance(data, bytes) else str(data)

    def close(self, timeout: float = 0.5) -> None:
        """Say goodbye with a close frame, waiting at most `timeout`; then drop the socket."""
        try:
            self._ws.close(timeout=timeout)
        except (OSError, websocket.WebSocketException):
            pass
        finally:
            self._ws.shutdown()

    def abort(self) -> None:
        """Drop the socket at once, without a close frame."""
        self._ws.shutdown()
