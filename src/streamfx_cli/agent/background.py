"""The agent running in the background: start it, ask it, stop it.

`streamfx agent start` (and `streamfx up`) starts a detached `python -m
streamfx_cli agent run`, its output appended to `<data>/agent.log` and its pid in
`<data>/agent.pid`. Whether an agent runs is asked of the agent itself over its
local socket (`status`), never read from the pid file alone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..background_server import process_alive
from ..errors import StreamFXError
from ..locks import file_lock
from ..paths import data_dir, private_dir
from .local_socket import ask

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0


def pid_path() -> Path:
    return data_dir() / "agent.pid"


def log_path() -> Path:
    return data_dir() / "agent.log"


def status(timeout: float = 2.0) -> dict[str, Any] | None:
    """The running agent's own account of itself, or None when none answers."""
    try:
        answer = ask({"type": "status"}, timeout=timeout)
    except (OSError, ValueError):
        return None
    return answer if answer and answer.get("ok") else None


def _log_tail(lines: int = 10) -> str:
    try:
        return "\n".join(log_path().read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start() -> dict[str, Any]:
    """Start the agent detached unless one answers; return its status."""
    private_dir(data_dir())
    with file_lock(data_dir() / "agent.lock"):
        running = status()
        if running:
            return running
        with open(log_path(), "ab") as log:
            log.write(b"\n--- streamfx agent start ---\n")
            log.flush()
            process = subprocess.Popen(
                [sys.executable, "-m", "streamfx_cli", "agent", "run"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                close_fds=True,
                start_new_session=True,  # survives the terminal closing
            )
        pid_path().write_text(json.dumps({"pid": process.pid, "startedAt": time.time()}))
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pid_path().unlink(missing_ok=True)
                tail = _log_tail()
                raise StreamFXError(
                    f"The StreamFX agent stopped right after starting (exit code {process.returncode}).",
                    f"Its log is {log_path()}" + (f":\n{tail}" if tail else "."),
                )
            running = status(timeout=0.5)
            if running:
                return running
            time.sleep(0.1)
        raise StreamFXError(
            f"The StreamFX agent did not answer within {START_TIMEOUT_S:g} s.",
            f"See its log: {log_path()}",
        )


def stop() -> int | None:
    """Stop the running agent; its pid, or None when none was running."""
    running = status()
    pid = int(running["pid"]) if running else None
    if pid is None:
        pid_path().unlink(missing_ok=True)
        return None
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return pid
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        if status(timeout=0.3) is None and not process_alive(pid):
            break
        time.sleep(0.1)
    else:
        raise StreamFXError(
            f"The StreamFX agent (pid {pid}) did not stop within {STOP_TIMEOUT_S:g} s."
        )
    pid_path().unlink(missing_ok=True)
    return pid
