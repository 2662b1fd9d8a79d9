"""What StreamFX relies on from obsws-python and the websocket-client socket under it.

Everything the bridge uses from them is in `streamfx_cli.obs.obsws_adapter`; these
tests pin each fact its docstring lists, against a real WebSocket server on a free
loopback port that opens like obs-websocket 5 (Hello first). An upgrade of either
library that changes one of them fails here, with the fact in the test's name,
rather than as a hotkey that silently stops drawing. The bridge against a real
OBS Studio is tested in tests/obs.
"""

from __future__ import annotations

import inspect
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import websocket
from obsws_python.baseclient import ObsClient
from websockets.sync.server import ServerConnection, serve

from streamfx_cli.obs.obsws_adapter import OBSCLIENT_LOGGER, ObsSocket, SocketClosed

HELLO = {"op": 0, "d": {"obsWebSocketVersion": "5.9.9", "rpcVersion": 1}}
Handler = Callable[[ServerConnection], None]


@contextmanager
def fake_obs(after_hello: Handler) -> Iterator[tuple[int, list[str]]]:
    """A WebSocket server that sends Hello, then runs `after_hello`; yields (port, received)."""
    received: list[str] = []

    def handler(conn: ServerConnection) -> None:
        conn.send(json.dumps(HELLO))
        after_hello(conn)

    with serve(handler, "127.0.0.1", 0) as server:
        port = server.socket.getsockname()[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield port, received
        finally:
            server.shutdown()
            thread.join(5)


def answer_identify(conn: ServerConnection) -> None:
    """Identified for any Identify, then echo every text message until the client leaves."""
    identify = json.loads(conn.recv())
    assert identify["op"] == 1
    conn.send(json.dumps({"op": 2, "d": {"negotiatedRpcVersion": 1}}))
    for message in conn:
        conn.send(message)


def refuse_identify(conn: ServerConnection) -> None:
    conn.recv()
    conn.close(code=4009, reason="Authentication failed.")


def stay_silent(conn: ServerConnection) -> None:
    for _ in conn:
        pass


def test_obsclient_connects_and_reads_hello_in_its_constructor() -> None:
    with fake_obs(stay_silent) as (port, _):
        client = ObsClient(host="127.0.0.1", port=port, password="", timeout=2.0)
        try:
            assert isinstance(client.ws, websocket.WebSocket)
            assert client.ws.connected
            assert client.server_hello == HELLO
            assert client.logger.name == OBSCLIENT_LOGGER
        finally:
            client.ws.shutdown()


def test_obsclient_reads_no_config_toml_when_given_the_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were the file read, its values would win over the ones given and the connect fail.
    config = '[connection]\nhost = "192.0.2.1"\nport = 9\npassword = "from-the-file"\n'
    for folder in (tmp_path, tmp_path / ".config" / "obsws-python"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.toml").write_text(config)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    with fake_obs(stay_silent) as (port, _):
        sock = ObsSocket.open("127.0.0.1", port, "", timeout=2.0)
        try:
            assert sock.hello == HELLO["d"]
        finally:
            sock.abort()


def test_obsclient_logs_through_the_logger_the_adapter_quiets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """It logs the password at INFO on every connect: the adapter keeps that logger at WARNING."""
    parent = logging.getLogger("obsws_python")
    assert parent.level == logging.WARNING
    with fake_obs(stay_silent) as (port, _):
        parent.setLevel(logging.NOTSET)
        try:
            with caplog.at_level(logging.DEBUG):
                sock = ObsSocket.open("127.0.0.1", port, "sekret-password", timeout=2.0)
                sock.abort()
        finally:
            parent.setLevel(logging.WARNING)
    logged = [r for r in caplog.records if r.name == OBSCLIENT_LOGGER]
    assert logged and logged[0].levelno == logging.INFO
    assert "sekret-password" in logged[0].getMessage()


def test_a_refused_connect_is_a_connection_error_without_a_logged_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: the connect is refused
        with caplog.at_level(logging.DEBUG), pytest.raises(ConnectionError) as info:
            ObsSocket.open("127.0.0.1", port, "", timeout=2.0)
    assert isinstance(info.value.__cause__, OSError)
    assert not [r for r in caplog.records if r.name.startswith("obsws_python")]


def test_text_frames_round_trip_and_a_close_frame_carries_its_code() -> None:
    with fake_obs(answer_identify) as (port, _):
        sock = ObsSocket.open("127.0.0.1", port, "", timeout=2.0)
        try:
            sock.set_timeout(2.0)
            sock.send(json.dumps({"op": 1, "d": {"rpcVersion": 1}}))
            assert json.loads(sock.receive() or "")["op"] == 2
            sock.send('{"op": 8, "d": {"requestId": "x"}}')
            assert sock.receive() == '{"op": 8, "d": {"requestId": "x"}}'
        finally:
            sock.close()
        assert not sock.connected

    with fake_obs(refuse_identify) as (port, _):
        sock = ObsSocket.open("127.0.0.1", port, "", timeout=2.0)
        try:
            sock.set_timeout(2.0)
            sock.send(json.dumps({"op": 1, "d": {"rpcVersion": 1}}))
            with pytest.raises(SocketClosed) as closed:
                while sock.receive() is None:
                    pass
            assert (closed.value.code, closed.value.reason) == (4009, "Authentication failed.")
        finally:
            sock.abort()


def test_silence_past_the_timeout_is_a_timeout_error() -> None:
    with fake_obs(stay_silent) as (port, _):
        sock = ObsSocket.open("127.0.0.1", port, "", timeout=2.0)
        try:
            sock.set_timeout(0.2)
            with pytest.raises(TimeoutError) as info:
                sock.receive()
            assert isinstance(info.value.__cause__, websocket.WebSocketTimeoutException)
        finally:
            sock.abort()
        assert not sock.connected


def test_the_websocket_client_surface_the_adapter_calls() -> None:
    assert issubclass(websocket.WebSocketTimeoutException, websocket.WebSocketException)
    assert (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_CLOSE) == (0x1, 0x8)
    for name in ("send", "recv_data_frame", "settimeout", "close", "shutdown"):
        assert callable(getattr(websocket.WebSocket, name)), name
    assert websocket.WebSocket().connected is False  # an attribute, True once connected
    assert "control_frame" in inspect.signature(websocket.WebSocket.recv_data_frame).parameters
    assert "timeout" in inspect.signature(websocket.WebSocket.close).parameters
    for name in ("host", "port", "password", "timeout"):
        assert name in inspect.getsource(ObsClient.__init__), name
