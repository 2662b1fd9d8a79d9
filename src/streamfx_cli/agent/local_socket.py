"""The agent's local door: a Unix socket only this user can open (docs/AGENT.md).

`streamfx fire`, `stop` and `agent status` talk to a running agent here: one JSON
line in, one JSON line out, then the connection closes. The socket lives in a
folder of mode 0700 and is itself 0600, and every connection's peer uid is
checked (SO_PEERCRED), so another account on the computer cannot fire effects
or read the agent's state even if the modes were loosened. Requests are capped
in size and time; a bad one gets `{"ok": false, "error": ...}` in one sentence.

This module is also the client side, and `fire` imports it on the hotkey path:
stdlib only at import time, and not asyncio: with the ssl, logging and subprocess it
loads, it was almost half of a hand-off's import time (docs/BENCHMARKS.md, "The OBS
agent"). Only `serve`, in the agent, needs it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

MAX_LINE = 64 * 1024
READ_TIMEOUT_S = 2.0
# Unix socket paths are limited to 107 bytes on Linux.
MAX_PATH = 107

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def socket_path() -> Path:
    from ..paths import runtime_dir

    return runtime_dir() / "agent.sock"


def _peer_uid(sock: socket.socket) -> int | None:
    if not hasattr(socket, "SO_PEERCRED"):
        return None  # macOS and others: the 0700 folder is the guard
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid


async def serve(path: Path, handle: Handler) -> asyncio.AbstractServer:
    """Listen on `path` (replacing a stale socket) and answer each line with `handle`."""
    import asyncio

    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    if len(os.fsencode(path)) > MAX_PATH:
        raise OSError(f"the agent's socket path is too long for this system: {path}")
    if path.exists():
        try:
            alive = ask({"type": "status"}, timeout=1.0, path=path)
        except (OSError, ValueError):
            alive = None
        if alive is not None:
            raise OSError(f"another StreamFX agent already listens at {path}")
        path.unlink()  # left by an agent that was killed

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            sock = writer.get_extra_info("socket")
            if sock is not None and _peer_uid(sock) not in (None, os.getuid()):
                return  # another account: say nothing at all
            try:
                line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_S)
                request = json.loads(line) if line.endswith(b"\n") else None
            except (TimeoutError, ValueError, asyncio.LimitOverrunError):
                request = None
            if not isinstance(request, dict) or not isinstance(request.get("type"), str):
                answer: dict[str, Any] = {
                    "ok": False,
                    "error": "The request was not one JSON object.",
                }
            else:
                answer = await handle(request)
            writer.write(json.dumps(answer).encode() + b"\n")
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    old = os.umask(0o177)
    try:
        server = await asyncio.start_unix_server(on_client, path=str(path), limit=MAX_LINE)
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    return server


def ask(
    request: dict[str, Any], timeout: float = 5.0, path: Path | None = None
) -> dict[str, Any] | None:
    """Send one request to the local agent; None when no agent listens here."""
    target = path or socket_path()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(str(target))
        except (FileNotFoundError, ConnectionRefusedError):
            return None
        sock.sendall(json.dumps(request).encode() + b"\n")
        chunks: list[bytes] = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            if chunk.endswith(b"\n"):
                break
    finally:
        sock.close()
    data = b"".join(chunks)
    if not data:
        return None
    answer = json.loads(data)
    return answer if isinstance(answer, dict) else None
