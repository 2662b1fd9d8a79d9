"""Secrets stay secret: on disk, in the server log, in the CLI's output, in obsws-python's log.

- The JWT signing key is 0600 in a 0700 data folder; the CLI's token fallback file is
  0600 in a 0700 config folder.
- Nothing a client sends or gets as a credential (passwords, access and refresh tokens,
  overlay keys) and not the signing key ever appears in the server log, at the default
  level or at `--log-level debug`, whether it came in a body, a header, a query string
  or a WebSocket message.
- `streamfx login/whoami/session/fire/effects/brand-kit/logout`, with and without
  `--json`, print no token, refresh token, overlay key or password.
- obsws-python logs the OBS password at INFO when it connects: after importing
  `streamfx_cli.obs` its logger is at WARNING, so even a program that turns on DEBUG
  logging everywhere never prints the password.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support.accounts import PASSWORD, login, register
from tests.support.cli import Cli
from tests.support.live_server import LiveServer, free_port
from tests.support.media import png, upload
from tests.support.ws import live, recv, send, ws_url

from .helpers import bearer, own_server

WRONG_PASSWORD = "wrong horse battery staple"


class Secrets:
    """Every secret the test has seen, to look for in logs and output."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def add(self, name: str, value: str) -> None:
        self.values[f"{name} #{len(self.values)}"] = value

    def add_pair(self, pair: dict) -> None:
        self.add("access token", pair["accessToken"])
        self.add("refresh token", pair["refreshToken"])

    def found_in(self, text: str) -> list[str]:
        """Names of the secrets of which any 12 characters in a row appear in `text`.

        Loggers elide long values in the middle ("eyJhbGci...Rullx_L0"), and most of a
        key is nearly as good as all of it, so a piece is as much a leak as the whole.
        """
        found = []
        for name, value in self.values.items():
            width = min(12, len(value))
            if any(value[i : i + width] in text for i in range(len(value) - width + 1)):
                found.append(name)
        return found


def _exercise_server(server: LiveServer, secrets: Secrets) -> None:
    """Use every way a credential reaches the server."""
    email = "owner@example.com"
    register(server, email)
    secrets.add("password", PASSWORD)
    first = login(server, email)
    secrets.add_pair(first)
    wrong = httpx.post(
        f"{server.url}/api/auth/login", json={"email": email, "password": WRONG_PASSWORD}
    )
    assert wrong.status_code == 401
    secrets.add("wrong password", WRONG_PASSWORD)
    pair = httpx.post(
        f"{server.url}/api/auth/refresh", json={"refreshToken": first["refreshToken"]}
    ).json()
    secrets.add_pair(pair)
    auth = bearer(pair["accessToken"])
    key = httpx.post(f"{server.url}/api/overlay/key", headers=auth).json()["key"]
    secrets.add("overlay key", key)

    with httpx.Client(base_url=server.url, headers=auth, timeout=10) as client:
        sha = upload(client, png(rgb=(9, 8, 7)), name="Logo").json()["asset"]["sha256"]
        assert client.get("/api/auth/me").status_code == 200
        client.post("/api/sessions/start", json={"platform": "twitch"})
        assert client.post("/api/effects/trigger", json={"effectId": "flash"}).status_code == 201
    # Credentials in query strings: the overlay's own, and a client that misplaces tokens.
    assert httpx.get(f"{server.url}/overlay", params={"key": key}).status_code == 200
    assert httpx.get(f"{server.url}/api/assets/{sha}", params={"key": key}).status_code == 200
    httpx.get(
        f"{server.url}/api/health",
        params={
            "token": pair["accessToken"],
            "access_token": pair["accessToken"],
            "refresh_token": pair["refreshToken"],
        },
    )
    # Over the WebSocket: a panel, an overlay, and a refresh token sent by mistake.
    with live(server, pair["accessToken"]) as ws:
        send(ws, {"type": "trigger", "effectId": "flash"})
        recv(ws)
    # A client that also puts its token in the handshake: the URL, a header, a cookie.
    with live(
        server,
        pair["accessToken"],
        path=f"?access_token={pair['accessToken']}",
        additional_headers={
            "Authorization": f"Bearer {pair['accessToken']}",
            "Cookie": f"token={pair['refreshToken']}",
        },
    ) as ws:
        send(ws, {"type": "ping"})
        recv(ws)
    with live(server, key) as ws:
        send(ws, {"type": "ping"})
        recv(ws)
    with connect(ws_url(server), open_timeout=10) as ws:
        send(ws, {"type": "auth", "token": pair["refreshToken"]})
        with pytest.raises(ConnectionClosed):
            while True:
                recv(ws)
    # Signing out with the refresh token in the body.
    logout = httpx.post(
        f"{server.url}/api/auth/logout", json={"refreshToken": pair["refreshToken"]}
    )
    assert logout.status_code == 204


@pytest.fixture(params=["info", "debug"])
def logged_server(request, tmp_path: Path) -> Iterator[LiveServer]:
    with own_server(tmp_path / "data", extra_args=("--log-level", request.param)) as server:
        yield server


def test_key_file_and_data_folder_are_private(logged_server: LiveServer):
    assert stat.S_IMODE(logged_server.data_dir.stat().st_mode) == 0o700
    secret = logged_server.data_dir / "jwt-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    # Loosened by someone: tightened again at the next start.
    secret.chmod(0o644)
    logged_server.data_dir.chmod(0o755)
    logged_server.restart()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(logged_server.data_dir.stat().st_mode) == 0o700


def test_no_secret_reaches_the_server_log(logged_server: LiveServer):
    secrets = Secrets()
    _exercise_server(logged_server, secrets)
    secrets.add("signing key", (logged_server.data_dir / "jwt-secret").read_text().strip())
    logged_server.stop()  # everything flushed
    log = logged_server.log_text()
    # The log is really there and really detailed: requests were logged.
    assert "/api/auth/login" in log and "/overlay" in log and "WebSocket" in log
    assert secrets.found_in(log) == []


# -- the CLI ---------------------------------------------------------------------------


def test_cli_prints_no_secret(tmp_path: Path):
    # No keyring on this "machine": the sign-in goes to the 0600 fallback file.
    cli = Cli.without_keyring(tmp_path / "home")
    secrets = Secrets()
    secrets.add("password", PASSWORD)
    outputs: list[str] = []

    def seen(args: tuple[str, ...], done: subprocess.CompletedProcess) -> None:
        outputs.append(f"$ streamfx {' '.join(args)}\n{done.stdout}{done.stderr}")
        if cli.credentials_file.exists():
            tokens = json.loads(cli.credentials_file.read_text())
            secrets.add("access token", tokens["access_token"])
            secrets.add("refresh token", tokens["refresh_token"])

    def streamfx(*args: str) -> subprocess.CompletedProcess:
        done = cli.run(*args, timeout=60)
        seen(args, done)
        return done

    def log_in(password: str) -> subprocess.CompletedProcess:
        done = cli.login(server.url, "me@example.com", password)
        seen(("login", "--server", server.url, "--email", "me@example.com"), done)
        return done

    with own_server(tmp_path / "data") as server:
        register(server, "me@example.com")
        done = log_in(PASSWORD)
        assert done.returncode == 0, done.stderr
        creds = cli.credentials_file
        assert stat.S_IMODE(creds.stat().st_mode) == 0o600
        assert stat.S_IMODE(creds.parent.stat().st_mode) == 0o700
        # An overlay key exists for this account; no command below may show it.
        api = login(server, "me@example.com")
        secrets.add_pair(api)
        key = httpx.post(f"{server.url}/api/overlay/key", headers=bearer(api["accessToken"]))
        secrets.add("overlay key", key.json()["key"])

        commands = [
            ("whoami",),
            ("whoami", "--json"),
            ("session", "start", "--platform", "twitch", "--json"),
            ("fire", "flash", "--no-obs"),
            ("fire", "flash", "--no-obs", "--json"),
            ("fire", "confetti", "--json"),
            ("session", "status", "--json"),
            ("session", "status"),
            ("effects", "list", "--json"),
            ("brand-kit", "list", "--json"),
        ]
        for command in commands:
            done = streamfx(*command)
            assert done.returncode == 0, f"{command}: {done.stderr}"
        # A wrong password, typed on stdin, is not echoed either.
        secrets.add("wrong password", WRONG_PASSWORD)
        bad = log_in(WRONG_PASSWORD)
        assert bad.returncode == 3
        assert streamfx("logout").returncode == 0

    transcript = "\n".join(outputs)
    assert '"effectId"' in transcript  # the JSON output really was produced
    assert secrets.found_in(transcript) == [], transcript[-2000:]


# -- obsws-python ----------------------------------------------------------------------

_OBS_SCRIPT = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)  # a script that wants to see everything
import streamfx_cli.obs
from streamfx_cli.obs import ObsConnection, ObsError
print("obsws level", logging.getLevelName(logging.getLogger("obsws_python").level), file=sys.stderr)
if sys.argv[3] == "unguarded":
    logging.getLogger("obsws_python").setLevel(logging.NOTSET)
try:
    ObsConnection("127.0.0.1", int(sys.argv[1]), sys.argv[2], timeout=1.0)
except ObsError as exc:
    print("refused:", exc, file=sys.stderr)
"""


def _connect_to_closed_port(password: str, mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _OBS_SCRIPT, str(free_port()), password, mode],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_obsws_never_logs_the_obs_password():
    password = "obs-pw-" + hashlib.sha256(os.urandom(16)).hexdigest()[:16]
    output = _connect_to_closed_port(password, "guarded")
    assert "obsws level WARNING" in output
    assert "refused: OBS is not reachable" in output
    assert password not in output
    # Control: the very same attempt without StreamFX's setting does leak it, so the
    # check above would notice if the guard went away.
    assert password in _connect_to_closed_port(password, "unguarded")
