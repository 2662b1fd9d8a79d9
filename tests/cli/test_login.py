"""`streamfx login / whoami / logout` as a user runs them, against a real server."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from streamfx_cli.app import app
from tests.support.accounts import PASSWORD, register
from tests.support.live_server import free_port, start_server


def _keyring_value(cli) -> str | None:
    probe = "import keyring; print(keyring.get_password('streamfx', 'login') or '')"
    out = subprocess.run(
        [sys.executable, "-c", probe], env=cli.env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip() or None


def test_login_whoami_logout_with_real_keyring(server, keyring_cli):
    account = register(server)
    done = keyring_cli.login(server.url, account["email"])
    assert done.returncode == 0, done.stderr
    assert account["email"] in done.stdout
    assert "warning" not in done.stderr
    assert not keyring_cli.credentials_file.exists()
    stored = json.loads(_keyring_value(keyring_cli))
    assert stored["email"] == account["email"] and stored["server"] == server.url

    who = keyring_cli.run("whoami", "--json")
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["email"] == account["email"]

    out = keyring_cli.run("logout")
    assert out.returncode == 0
    assert _keyring_value(keyring_cli) is None
    # The server ended that sign-in too, not just this machine.
    refused = httpx.post(
        f"{server.url}/api/auth/refresh", json={"refreshToken": stored["refresh_token"]}
    )
    assert refused.status_code == 401
    again = keyring_cli.run("whoami")
    assert again.returncode == 3
    assert "not signed in" in again.stderr


def test_file_fallback_is_private_and_warned_about(server, file_cli):
    account = register(server)
    done = file_cli.login(server.url, account["email"])
    assert done.returncode == 0, done.stderr
    assert "no system keyring" in done.stderr
    assert stat.S_IMODE(file_cli.credentials_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file_cli.credentials_file.parent.stat().st_mode) == 0o700
    assert PASSWORD not in done.stdout + done.stderr
    who = file_cli.run("whoami")
    assert who.returncode == 0
    assert account["email"] in who.stdout
    assert file_cli.run("logout").returncode == 0
    assert not file_cli.credentials_file.exists()


def test_login_in_process_with_prompts(server, tmp_path, monkeypatch):
    monkeypatch.setenv("STREAMFX_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    account = register(server)
    runner = CliRunner()
    result = runner.invoke(
        app, ["login", "--server", server.url], input=f"{account['email']}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Signed in as" in result.output
    assert PASSWORD not in result.output  # the prompt hides it
    result = runner.invoke(app, ["whoami"])
    assert result.exit_code == 0
    assert account["email"] in result.output
    result = runner.invoke(app, ["logout"])
    assert result.exit_code == 0
    assert "Signed out" in result.output


def test_wrong_password_is_one_sentence_and_exit_3(server, file_cli):
    account = register(server)
    bad = file_cli.login(server.url, account["email"], "not-the-password")
    assert bad.returncode == 3
    assert "Wrong email or password." in bad.stderr
    assert "Traceback" not in bad.stderr
    assert not file_cli.credentials_file.exists()


def test_unreachable_server_is_exit_4(file_cli):
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = file_cli.run(
        "login", "--server", url, "--email", "a@b.co", "--password-stdin", input="pw12345678\n"
    )
    assert result.returncode == 4
    assert f"Cannot reach the StreamFX server at {url}" in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 10
    status = file_cli.run("server", "status", "--server", url)
    assert status.returncode == 4


def test_not_signed_in_is_exit_3(file_cli):
    result = file_cli.run("whoami")
    assert result.returncode == 3
    assert "streamfx login" in result.stderr


def test_expired_login_says_so(tmp_path, file_cli):
    short = start_server(
        tmp_path / "data", env={"STREAMFX_ACCESS_TTL": "1", "STREAMFX_REFRESH_TTL": "1"}
    )
    try:
        account = register(short)
        assert file_cli.login(short.url, account["email"]).returncode == 0
        time.sleep(2.2)
        result = file_cli.run("whoami")
        assert result.returncode == 3
        assert "expired" in result.stderr
        assert "streamfx login" in result.stderr
    finally:
        short.stop()


def test_version_and_server_status(server, file_cli):
    version = file_cli.run("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("streamfx ")
    status = file_cli.run("server", "status", "--server", server.url, "--json")
    assert status.returncode == 0
    assert json.loads(status.stdout)["up"] is True


def test_admin_accounts_list_and_set_tier(server, file_cli):
    account = register(server)

    def set_tier(email: str, tier: str) -> subprocess.CompletedProcess:
        return file_cli.run(
            "server", "accounts", "set-tier", email, tier, "--data-dir", str(server.data_dir)
        )

    listed = file_cli.run(
        "server", "accounts", "list", "--data-dir", str(server.data_dir), "--json"
    )
    assert listed.returncode == 0
    assert account["email"] in {a["email"] for a in json.loads(listed.stdout)}
    changed = set_tier(account["email"], "creator")
    assert changed.returncode == 0
    assert "creator tier" in changed.stdout
    token = httpx.post(
        f"{server.url}/api/auth/login", json={"email": account["email"], "password": PASSWORD}
    )
    assert token.json()["creator"]["tier"] == "creator"
    bad = set_tier(account["email"], "platinum")
    assert bad.returncode == 2
    assert "Unknown tier" in bad.stderr
    nobody = set_tier("nobody@example.com", "free")
    assert nobody.returncode == 5
    assert "No account" in nobody.stderr


@pytest.fixture
def short_lived_server(tmp_path):
    live = start_server(tmp_path / "data", env={"STREAMFX_ACCESS_TTL": "2"})
    yield live
    live.stop()


def test_ten_concurrent_whoami_after_expiry_all_succeed(short_lived_server, keyring_cli):
    account = register(short_lived_server)
    assert keyring_cli.login(short_lived_server.url, account["email"]).returncode == 0
    time.sleep(2.5)  # the stored access token is now expired
    procs = [keyring_cli.popen("whoami") for _ in range(10)]
    results = [(p.wait(60), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [code for code, _ in results] == [0] * 10, results
    # Exactly one refresh happened, so reuse detection did not end the sign-in.
    assert keyring_cli.run("whoami").returncode == 0


def test_non_loopback_bind_warns(tmp_path, file_cli):
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamfx_cli",
            "server",
            "run",
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        env=file_cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "warning: binding to 0.0.0.0" in err
