"""`streamfx service install|uninstall|status --user`: the real command writes systemd
user units a streamer's systemd can run, with no secret in them.

No test needs a running systemd: each runs with a runtime folder of its own and no
session bus, so `systemctl --user` finds no manager and the command says what to run.
Where `systemd-analyze` is installed, it checks the units as systemd would load them.
"""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import Cli

UNITS = ("streamfx-server.service", "streamfx-agent.service")


@pytest.fixture
def service_env(tmp_path: Path) -> dict[str, str]:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    return {
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_RUNTIME_DIR": str(runtime),
        "STREAMFX_OBS_PASSWORD": "obs-secret-in-env",
        "STREAMFX_OBS_URL": "ws://127.0.0.1:4455",
        "STREAMFX_PUBLIC_URL": "https://fx.example.com",
    }


def unit_path(env: dict[str, str], name: str) -> Path:
    return Path(env["XDG_CONFIG_HOME"]) / "systemd" / "user" / name


def parse(path: Path) -> configparser.ConfigParser:
    # systemd allows repeated keys (Environment=); the last one is enough to read here.
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return parser


def test_install_writes_units_that_run_the_server_and_agent(
    signed_in: Cli, server, service_env: dict[str, str]
) -> None:
    done = signed_in.run("service", "install", "--user", env=service_env)
    assert done.returncode == 0, done.stderr
    for name in UNITS:
        assert f"Wrote {unit_path(service_env, name)}" in done.stdout
    # No user systemd here: nothing started, and the exact commands to run.
    assert "systemctl --user daemon-reload" in done.stderr
    assert f"systemctl --user enable --now {' '.join(UNITS)}" in done.stderr

    server_unit = parse(unit_path(service_env, UNITS[0]))
    port = server.url.rsplit(":", 1)[1]
    assert server_unit["Service"]["ExecStart"] == (
        f"{sys.executable} -m streamfx_cli server run --host 127.0.0.1 --port {port}"
    )
    agent_unit = parse(unit_path(service_env, UNITS[1]))
    assert agent_unit["Service"]["ExecStart"] == f"{sys.executable} -m streamfx_cli agent run"
    assert agent_unit["Unit"]["After"] == "streamfx-server.service"
    assert agent_unit["Unit"]["Wants"] == "streamfx-server.service"
    # Signed out is for good: restarting the agent cannot sign it back in.
    assert agent_unit["Service"]["RestartPreventExitStatus"] == "3"
    for unit in (server_unit, agent_unit):
        assert unit["Service"]["Restart"] == "on-failure"
        assert unit["Service"]["StandardOutput"] == "journal"
        assert unit["Service"]["StandardError"] == "journal"
        assert unit["Install"]["WantedBy"] == "default.target"

    # Settings that are not secret are passed on; the OBS password and tokens never are.
    texts = "".join(unit_path(service_env, n).read_text() for n in UNITS)
    assert f"Environment=STREAMFX_HOME={signed_in.home}" in texts
    assert "Environment=STREAMFX_OBS_URL=ws://127.0.0.1:4455" in texts
    assert "Environment=STREAMFX_PUBLIC_URL=https://fx.example.com" in texts
    assert "obs-secret-in-env" not in texts
    assert "PASSWORD" not in texts
    tokens = json.loads(signed_in.credentials_file.read_text())
    assert tokens["access_token"] not in texts and tokens["refresh_token"] not in texts


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_analyze_verifies_the_units(signed_in: Cli, service_env: dict[str, str]) -> None:
    assert signed_in.run("service", "install", "--user", env=service_env).returncode == 0
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--user", *(str(unit_path(service_env, n)) for n in UNITS)],
        env={**signed_in.env, **service_env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    # verify exits 0 even for a line it ignores, so any word from it is a failure.
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout + verified.stderr == ""


def test_status_and_uninstall(signed_in: Cli, service_env: dict[str, str]) -> None:
    before = json.loads(
        signed_in.run("service", "status", "--user", "--json", env=service_env).stdout
    )
    assert before["systemd"] is False
    assert [(u["name"], u["installed"]) for u in before["units"]] == [(n, False) for n in UNITS]

    installed = signed_in.run("service", "install", "--user", "--json", env=service_env)
    answer = json.loads(installed.stdout)
    assert [u["name"] for u in answer["units"]] == list(UNITS)
    assert answer["enabled"] is False
    assert answer["commands"][0] == "systemctl --user daemon-reload"

    status = signed_in.run("service", "status", "--user", env=service_env)
    assert status.returncode == 0
    assert "streamfx-agent.service: installed at" in status.stdout
    after = json.loads(
        signed_in.run("service", "status", "--user", "--json", env=service_env).stdout
    )
    assert all(u["installed"] and u["enabled"] is None for u in after["units"])

    removed = signed_in.run("service", "uninstall", "--user", env=service_env)
    assert removed.returncode == 0, removed.stderr
    assert not any(unit_path(service_env, n).exists() for n in UNITS)
    again = signed_in.run("service", "uninstall", "--user", "--json", env=service_env)
    assert json.loads(again.stdout) == {"removed": [], "stopped": False, "commands": []}


def test_without_user_it_refuses_and_writes_nothing(
    signed_in: Cli, service_env: dict[str, str]
) -> None:
    for command in ("install", "uninstall", "status"):
        done = signed_in.run("service", command, env=service_env)
        assert done.returncode == 2, done.stderr
        assert "error: Only user services are supported: pass --user." in done.stderr
        assert "Traceback" not in done.stderr
    assert not (Path(service_env["XDG_CONFIG_HOME"]) / "systemd").exists()
