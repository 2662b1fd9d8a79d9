"""`streamfx server run|status|stop` as a streamer meets them: the hint after a crash
starts the server where the CLI looks for it, `stop` and `status` agree about whether it
is up, and the server takes its settings from flags or the environment (docs/CLI.md
"Which server", "Behind a reverse proxy")."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.accounts import PASSWORD, register
from tests.support.cli import Cli
from tests.support.live_server import free_port, start_server
from tests.support.waiting import wait_until


def _background_server(cli: Cli, url: str) -> int:
    """What `streamfx up` does first: the bundled server started detached, pid on file."""
    probe = f"from streamfx_cli.background_server import start; print(start({url!r}))"
    done = subprocess.run(
        [sys.executable, "-c", probe], env=cli.env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip())


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_after_a_crash_stop_and_status_agree_and_the_hint_starts_the_saved_port(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cli = Cli.without_keyring(tmp_path / "home", STREAMFX_SERVER=url)
    pid = _background_server(cli, url)
    try:
        up = cli.run("server", "status", "--json")
        assert json.loads(up.stdout) == {
            "server": url,
            "up": True,
            "version": json.loads(up.stdout)["version"],
            "pid": pid,
        }
        said = cli.run("server", "status")
        assert f"is up at {url}" in said.stdout and f"pid {pid}" in said.stdout

        os.kill(pid, signal.SIGKILL)  # the crash
        wait_until(lambda: not _up(url), 15, "the server to be gone")

        status = cli.run("server", "status")
        assert status.returncode == 4
        assert f"error: Cannot reach the StreamFX server at {url}." in status.stderr
        assert f"hint: Start it with `streamfx server run --port {port}`" in status.stderr
        login = cli.run("login", "--email", "me@example.com", "--password-stdin", input="pw\n")
        assert login.returncode == 4  # any command that needs the server says the same
        assert f"hint: Start it with `streamfx server run --port {port}`" in login.stderr

        stop = cli.run("server", "stop")
        assert stop.returncode == 0, stop.stderr
        assert f"The StreamFX server is not running at {url}" in stop.stdout
        assert f"cleared the pid file of the one that stopped (pid {pid})" in stop.stdout

        # Started again by hand, on the saved port, with the hint's own line.
        hand = start_server(tmp_path / "by-hand" / "data", port=port)
        try:
            assert cli.run("server", "status").returncode == 0
            refused = cli.run("server", "stop")
            assert refused.returncode == 5
            assert f"The StreamFX server at {url} is up, but `streamfx up` did not start it" in (
                refused.stderr
            )
            assert "Ctrl+C" in refused.stderr
            assert _up(url), "a refused stop leaves it running"
            status = cli.run("server", "status")
            assert "It was not started by `streamfx up`" in status.stdout
        finally:
            hand.stop()
    finally:
        if _up(url):
            cli.run("server", "stop")


def test_the_default_port_hint_has_no_flag_and_a_remote_server_none(tmp_path: Path) -> None:
    from streamfx_cli.client import unreachable

    assert "`streamfx server run` (or" in str(unreachable("http://127.0.0.1:8420").hint)
    assert "`streamfx server run --port 9000`" in str(unreachable("http://localhost:9000").hint)
    remote = unreachable("https://fx.example.com").hint
    assert (
        remote
        == "Check that the server at https://fx.example.com is running, or pass --server URL."
    )


def test_public_url_and_environment_settings(tmp_path: Path) -> None:
    """Behind a reverse proxy: overlay URLs carry the public address, and the proxy's Host
    is answered; flags override the environment."""
    port = free_port()
    env = {
        "STREAMFX_PORT": str(port),
        "STREAMFX_PUBLIC_URL": "https://env.example.com/",
        "STREAMFX_HOST": "127.0.0.1",
    }
    home = Cli.without_keyring(tmp_path / "home")

    # LiveServer passes --port and --data-dir: flags over STREAMFX_PORT, and --public-url
    # over STREAMFX_PUBLIC_URL.
    live = start_server(
        tmp_path / "a" / "data", env=env, extra_args=("--public-url", "https://fx.example.com/")
    )
    try:
        account = register(live)
        assert home.login(live.url, account["email"]).returncode == 0
        issued = json.loads(home.run("overlay", "rotate", "--json").stdout)
        assert issued["url"].startswith("https://fx.example.com/overlay?key=")
        assert json.loads(home.run("overlay", "url", "--json").stdout)["url"] == issued["url"]
        proxied = httpx.get(f"{live.url}/api/health", headers={"Host": "fx.example.com"})
        assert proxied.status_code == 200
    finally:
        live.stop()

    # No flags at all: the environment says where to listen and where the data goes.
    data = tmp_path / "from-env"
    server = subprocess.Popen(
        [sys.executable, "-m", "streamfx_cli", "server", "run"],
        env={**home.env, **env, "STREAMFX_DATA_DIR": str(data)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: _up(f"http://127.0.0.1:{port}"), 30, "the server on STREAMFX_PORT")
        assert (data / "streamfx.db").is_file()
        url = f"http://127.0.0.1:{port}"
        account = httpx.post(
            f"{url}/api/auth/register",
            json={"email": "o@example.com", "password": PASSWORD, "displayName": "o"},
        )
        assert account.status_code == 201, account.text
        there = Cli.without_keyring(tmp_path / "home-2")
        assert there.login(url, "o@example.com").returncode == 0
        issued = json.loads(there.run("overlay", "rotate", "--json").stdout)
        assert issued["url"].startswith("https://env.example.com/overlay?key=")
    finally:
        server.terminate()
        server.wait(10)

    bad = home.run("server", "run", "--public-url", "fx.example.com")
    assert bad.returncode == 2
    assert "--public-url must be an http:// or https:// URL" in bad.stderr
    bad_env = home.run("server", "run", env={"STREAMFX_PORT": "http"})
    assert bad_env.returncode == 2
    assert "STREAMFX_PORT must be a port number" in bad_env.stderr
