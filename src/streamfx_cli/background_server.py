"""The bundled server running in the background: start it, find it, stop it.

`streamfx up` starts a detached `python -m streamfx_cli server run` when nothing
answers at a loopback server URL; its pid (with the URL and start time) goes to
`<data>/server.pid` and its output to `<data>/server.log`, so `streamfx server
stop` can end it later from any terminal. Whether a server answers is asked of
the API (`GET /api/health`), never read from its files: `server_state` is the one
answer `server status` and `server stop` both give (docs/CLI.md "Which server").
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .config import LOOPBACK, server_url
from .errors import Refused, StreamFXError
from .locks import file_lock
from .paths import data_dir, private_dir

if TYPE_CHECKING:
    from .api_types import Health

START_TIMEOUT_S = 30.0
HEALTH_TIMEOUT_S = 2.0
STOP_TIMEOUT_S = 10.0


def pid_path() -> Path:
    return data_dir() / "server.pid"


def log_path() -> Path:
    return data_dir() / "server.log"


def read_pid_file() -> dict[str, Any] | None:
    """`{"pid", "url", "startedAt"}` of the server `up` started, or None."""
    try:
        data = json.loads(pid_path().read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None


def health(url: str, timeout: float = HEALTH_TIMEOUT_S) -> Health | None:
    """The server's health answer when a StreamFX server is up at `url`, else None."""
    import httpx

    from .api import Api

    try:
        with Api.anonymous(url) as api:
            data = api.health(timeout=timeout)
    except (StreamFXError, httpx.HTTPError, ValueError):
        return None
    if isinstance(data, dict) and data.get("status") == "ok":
        return data
    return None


def process_alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not); shared with the agent's background process."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - Windows only
        import subprocess

        try:
            out = subprocess.run(
                ["tasklist", "/FI", f"PID eq {pid}", "/NH"], capture_output=True, text=True
            ).stdout
        except OSError:
            return False
        return str(pid) in out
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not a running server.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _is_our_server(pid: int) -> bool:
    """True unless we can tell the pid now belongs to something else (pid reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc (macOS, Windows): trust the pid file
    return b"streamfx_cli" in cmdline and b"server" in cmdline


def _log_tail(lines: int = 15) -> str:
    try:
        text = log_path().read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _spawn(url: str) -> Any:
    """Start `streamfx server run` for `url`, detached, its output appended to the log."""
    import subprocess

    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    log = open(log_path(), "ab")  # noqa: SIM115 - handed to the child, closed below
    try:
        log.write(f"\n--- streamfx up: starting the server for {url} ---\n".encode())
        log.flush()
        kwargs: dict[str, Any] = {}
        if sys.platform == "win32":  # pragma: no cover - Windows only (a type checker knows)
            kwargs["creationflags"] = (
                subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
            )
        else:
            kwargs["start_new_session"] = True  # survives the terminal closing
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamfx_cli",
                "server",
                "run",
                "--host",
                host,
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            close_fds=True,
            **kwargs,
        )
    finally:
        log.close()


def start(url: str) -> int:
    """Start the server detached, for `url` (a loopback URL); wait until it answers.

    Returns its pid. Raises StreamFXError (with the log's last lines) when it
    exits at once or does not answer within START_TIMEOUT_S.
    """
    private_dir(data_dir())
    with file_lock(data_dir() / "server.lock"):
        # Another `up` may have started it while we waited for the lock.
        if health(url):
            existing = read_pid_file()
            return int(existing["pid"]) if existing else 0
        process = _spawn(url)
        pid_path().write_text(
            json.dumps({"pid": process.pid, "url": url, "startedAt": time.time()})
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pid_path().unlink(missing_ok=True)
                tail = _log_tail()
                raise StreamFXError(
                    f"The StreamFX server stopped right after starting (exit code "
                    f"{process.returncode}).",
                    f"Its log is {log_path()}" + (f":\n{tail}" if tail else "."),
                )
            if health(url, timeout=0.5):
                return process.pid
            time.sleep(0.1)
        raise StreamFXError(
            f"The StreamFX server did not answer at {url} within {START_TIMEOUT_S:g} s.",
            f"See its log: {log_path()}",
        )


def ensure_running(url: str, tell: Callable[[str], object]) -> None:
    """Make sure a server answers at `url`: start it in the background if it is local and down.

    `tell` gets a sentence before the (seconds-long) start and after it. A
    server elsewhere is never started: ServerUnreachable says so.
    """
    from .client import unreachable

    if health(url):
        return
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise unreachable(url)
    tell(f"Starting the StreamFX server at {url} …")
    pid = start(url)
    tell(f"The server is running in the background (pid {pid}); log: {log_path()}.")
    tell("Stop it with `streamfx server stop`.")


@dataclass(frozen=True)
class ServerState:
    """Whether a StreamFX server answers at `url`, and whether it is the one `up` started."""

    url: str
    health: Health | None  # its answer to GET /api/health; None: nothing answers
    pid: int | None  # the background server's pid, when `up` started it and it still runs
    stale_pid: int | None  # a pid file left by a background server that is gone

    @property
    def up(self) -> bool:
        return self.health is not None


def server_state(url: str | None = None) -> ServerState:
    """The state of the server at `url` (default: the background server's URL when `up`
    started one, else the configured server URL, docs/CLI.md "Which server")."""
    info = read_pid_file()
    url = url or (str(info["url"]) if info and info.get("url") else server_url())
    pid = stale = None
    if info is not None and info.get("url") in (None, url):
        alive = process_alive(int(info["pid"])) and _is_our_server(int(info["pid"]))
        pid, stale = (int(info["pid"]), None) if alive else (None, int(info["pid"]))
    return ServerState(url, health(url), pid, stale)


def stop(url: str | None = None) -> tuple[bool, str]:
    """Stop the server `streamfx up` started: (stopped, a sentence saying what happened).

    Refused (exit 5) when a server answers that `up` did not start (one run in a
    terminal with `streamfx server run`): it is up, and says so, as `server status` does.
    """
    import signal

    state = server_state(url)
    if state.stale_pid is not None:
        pid_path().unlink(missing_ok=True)
    if state.pid is None:
        if state.up:
            raise Refused(
                f"The StreamFX server at {state.url} is up, but `streamfx up` did not start "
                "it, so `streamfx server stop` cannot stop it.",
                "Stop it with Ctrl+C in the terminal running `streamfx server run`.",
            )
        cleared = (
            f"; cleared the pid file of the one that stopped (pid {state.stale_pid})"
            if state.stale_pid is not None
            else ""
        )
        return False, f"The StreamFX server is not running at {state.url}{cleared}."
    pid = state.pid
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    forced = False
    if process_alive(pid) and os.name != "nt":
        os.kill(pid, signal.SIGKILL)
        forced = True
    pid_path().unlink(missing_ok=True)
    how = " (it did not stop in time, so it was killed)" if forced else ""
    return True, f"Stopped the StreamFX server at {state.url} (pid {pid}){how}."
