"""`streamfx up` and `streamfx tui`: the control panel, and everything it needs first.

`up` starts the bundled server in the background when nothing answers at the
server URL (a detached `python -m streamfx_cli server run`, its pid and log
in the data folder; `streamfx server stop` ends it), makes sure this computer
is signed in (on a fresh server it creates the owner account first), then
opens the panel. Textual is imported only when the panel opens.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from ..output import say, warn

START_TIMEOUT_S = 30.0
HEALTH_TIMEOUT_S = 2.0
STOP_TIMEOUT_S = 10.0
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

ServerOpt = Annotated[
    str | None, typer.Option("--server", help="Server URL; default: the saved one, or the local.")
]


# -- the background server ----------------------------------------------------------


def pid_path() -> Path:
    from ..paths import data_dir

    return data_dir() / "server.pid"


def log_path() -> Path:
    from ..paths import data_dir

    return data_dir() / "server.log"


def read_pid_file() -> dict[str, Any] | None:
    try:
        data = json.loads(pid_path().read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None


def _alive(pid: int) -> bool:
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


def health(url: str, timeout: float = HEALTH_TIMEOUT_S) -> dict[str, Any] | None:
    import httpx

    try:
        response = httpx.get(f"{url}/api/health", timeout=timeout)
        data = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    if response.status_code == 200 and isinstance(data, dict) and data.get("status") == "ok":
        return data
    return None


def _log_tail(lines: int = 15) -> str:
    try:
        text = log_path().read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def start_background_server(url: str) -> int:
    """Start `streamfx server run` detached, for `url` (a loopback URL); wait until it answers."""
    import subprocess
    from urllib.parse import urlsplit

    from ..errors import StreamFXError
    from ..locks import file_lock
    from ..paths import data_dir, private_dir

    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    private_dir(data_dir())
    with file_lock(data_dir() / "server.lock"):
        # Another `up` may have started it while we waited for the lock.
        if health(url):
            existing = read_pid_file()
            return int(existing["pid"]) if existing else 0
        log = open(log_path(), "ab")  # noqa: SIM115 - handed to the child, closed below
        try:
            log.write(f"\n--- streamfx up: starting the server for {url} ---\n".encode())
            log.flush()
            kwargs: dict[str, Any] = {}
            if os.name == "nt":  # pragma: no cover - Windows only
                kwargs["creationflags"] = (
                    subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
                )
            else:
                kwargs["start_new_session"] = True  # survives the terminal closing
            process = subprocess.Popen(
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


def ensure_server(url: str) -> None:
    from urllib.parse import urlsplit

    from ..client import unreachable

    if health(url):
        return
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise unreachable(url)
    say(f"Starting the StreamFX server at {url} …")
    pid = start_background_server(url)
    say(f"The server is running in the background (pid {pid}); log: {log_path()}.")
    say("Stop it with `streamfx server stop`.")


# -- the sign-in --------------------------------------------------------------------


def _owner_missing() -> bool:
    """True when the local database exists and has no account yet (a fresh server)."""
    import sqlite3

    from ..paths import data_dir

    db = data_dir() / "streamfx.db"
    if not db.is_file():
        return False
    try:
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            (count,) = conn.execute("SELECT COUNT(*) FROM creators").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return count == 0


def _signed_in(url: str) -> dict[str, Any] | None:
    """The account this computer is signed in to on `url`, if the sign-in still works."""
    from ..client import Client
    from ..credentials import CredentialStore
    from ..errors import APIError, NotLoggedIn

    stored = CredentialStore().load()
    if stored is None or stored.server.rstrip("/") != url:
        return None
    try:
        with Client(url) as client:
            return client.get("/api/auth/me")
    except NotLoggedIn:
        return None
    except APIError as exc:
        if exc.status == 401:
            return None
        raise


def _read_password(from_stdin: bool, confirm: bool) -> str:
    from ..errors import StreamFXError

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    if not password:
        raise StreamFXError(
            "No password was given.", "Type it at the prompt or pipe it to --password-stdin."
        )
    return password


def _post(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    import httpx

    from ..client import api_error, unreachable

    try:
        response = httpx.post(f"{url}{path}", json=body, timeout=15.0)
    except httpx.TransportError as exc:
        raise unreachable(url, exc) from None
    if response.status_code >= 400:
        raise api_error(response)
    return response.json()


def sign_in(url: str, email: str, password: str) -> dict[str, Any]:
    """Log in and keep the tokens as `streamfx login` does; returns the creator."""
    from ..config import update_config
    from ..credentials import CredentialStore, Login

    data = _post(url, "/api/auth/login", {"email": email, "password": password})
    store = CredentialStore()
    where = store.save(
        Login(
            server=url,
            email=data["creator"]["email"],
            creator_id=data["creator"]["id"],
            access_token=data["accessToken"],
            refresh_token=data["refreshToken"],
        )
    )
    update_config(server=url)
    if where == "file":
        warn(
            f"no system keyring found; your sign-in is stored in {store.fallback_path} "
            "(readable only by you)."
        )
    return data["creator"]


def ensure_account(url: str, email: str | None, password_stdin: bool) -> dict[str, Any]:
    me = _signed_in(url)
    if me is not None:
        return me
    if _owner_missing():
        say("This StreamFX server has no account yet: create yours (you will own the server).")
        email = email or typer.prompt("Email")
        password = _read_password(password_stdin, confirm=not password_stdin)
        name = email.split("@", 1)[0]
        if not password_stdin:
            name = typer.prompt("Display name", default=name)
        _post(
            url, "/api/auth/register", {"email": email, "password": password, "displayName": name}
        )
    else:
        say(f"Sign in to StreamFX at {url}.")
        email = email or typer.prompt("Email")
        password = _read_password(password_stdin, confirm=False)
    creator = sign_in(url, email, password)
    say(f"Signed in as {creator['displayName']} <{creator['email']}> on {url}.")
    return creator


# -- the commands -------------------------------------------------------------------


def _server_for_panel(server: str | None, stored: Any = None) -> str:
    from ..config import server_url
    from ..credentials import CredentialStore

    if stored is None and not server and not os.environ.get("STREAMFX_SERVER"):
        stored = CredentialStore().load()
    return server_url(server, stored=stored.server if stored else None)


def up(
    server: ServerOpt = None,
    email: Annotated[
        str | None, typer.Option(help="Account email, when a sign-in is needed.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Start the server if it is not running, sign in (first run: create your account), open the panel."""
    url = _server_for_panel(server)
    ensure_server(url)
    ensure_account(url, email, password_stdin)
    from ..tui import run_panel

    run_panel(url)


def tui(server: ServerOpt = None) -> None:
    """Open the live control panel (sign in first with `streamfx login`, or use `streamfx up`)."""
    from ..credentials import CredentialStore
    from ..errors import NotLoggedIn

    stored = CredentialStore().load()
    if stored is None:
        raise NotLoggedIn(hint="Run `streamfx login`, or `streamfx up` to set everything up.")
    url = _server_for_panel(server, stored)
    from ..tui import run_panel

    run_panel(url)


def stop_background_server() -> tuple[bool, str]:
    """Stop the server `streamfx up` started: (stopped, a sentence saying what happened)."""
    import signal

    info = read_pid_file()
    if info is None:
        return False, (
            "The StreamFX server is not running in the background (there is no "
            f"{pid_path()}). A server started with `streamfx server run` stops with Ctrl+C "
            "in its terminal."
        )
    pid = int(info["pid"])
    if not _alive(pid) or not _is_our_server(pid):
        pid_path().unlink(missing_ok=True)
        return (
            False,
            f"The StreamFX server is not running (pid {pid} is gone); cleared its pid file.",
        )
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    forced = False
    if _alive(pid) and os.name != "nt":
        os.kill(pid, signal.SIGKILL)
        forced = True
    pid_path().unlink(missing_ok=True)
    how = " (it did not stop in time, so it was killed)" if forced else ""
    return True, f"Stopped the StreamFX server at {info.get('url', '?')} (pid {pid}){how}."


def register(app: typer.Typer) -> None:
    app.command()(up)
    app.command()(tui)
