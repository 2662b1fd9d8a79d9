"""The agent's local socket: only this user, one JSON line each way, clear refusals."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from streamfx_cli.agent.local_socket import ask, serve

pytestmark = pytest.mark.anyio


@pytest.fixture
def folder() -> Iterator[Path]:
    # Short: a socket path must stay under 107 bytes.
    path = Path(tempfile.mkdtemp(prefix="sfx-"))
    yield path / "run"
    shutil.rmtree(path, ignore_errors=True)


async def echo(request: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "got": request["type"]}


async def in_thread(*args: Any, **kwargs: Any) -> Any:
    return await anyio.to_thread.run_sync(lambda: ask(*args, **kwargs))


async def raw(path: Path, data: bytes) -> bytes:
    def talk() -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(str(path))
            sock.sendall(data)
            return sock.recv(65536)

    return await anyio.to_thread.run_sync(talk)


async def test_only_this_user_can_open_it_and_it_answers_one_line(folder: Path) -> None:
    path = folder / "agent.sock"
    server = await serve(path, echo)
    try:
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert await in_thread({"type": "status"}, path=path) == {"ok": True, "got": "status"}
        refused = await raw(path, b"not json\n")
        assert b'"ok": false' in refused and b"not one JSON object" in refused
        no_type = await raw(path, b"[1, 2]\n")
        assert b"not one JSON object" in no_type
    finally:
        server.close()


async def test_a_second_agent_refuses_and_a_stale_socket_is_replaced(folder: Path) -> None:
    path = folder / "agent.sock"
    first = await serve(path, echo)

    def second_agent() -> None:
        # Another process in real life: its own event loop, while this one answers.
        async def start() -> None:
            (await serve(path, echo)).close()

        asyncio.run(start())

    try:
        with pytest.raises(OSError, match="another StreamFX agent already listens"):
            await anyio.to_thread.run_sync(second_agent)
    finally:
        first.close()
        await first.wait_closed()
    # The first one was killed without cleaning up: its socket file is still there.
    assert path.exists()
    second = await serve(path, echo)
    try:
        assert await in_thread({"type": "x"}, path=path) == {"ok": True, "got": "x"}
    finally:
        second.close()


async def test_no_agent_means_none(folder: Path) -> None:
    assert await in_thread({"type": "status"}, path=folder / "agent.sock") is None


async def test_a_client_that_says_nothing_is_dropped_without_blocking_others(
    folder: Path,
) -> None:
    path = folder / "agent.sock"
    server = await serve(path, echo)
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        silent.connect(str(path))  # never sends a line
        assert await in_thread({"type": "status"}, path=path) == {"ok": True, "got": "status"}
        done = threading.Event()

        def wait_close() -> None:
            silent.settimeout(10)
            silent.recv(100)  # the agent answers after its read timeout and closes
            done.set()

        await anyio.to_thread.run_sync(wait_close)
        assert done.is_set()
    finally:
        silent.close()
        server.close()
