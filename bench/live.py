"""A live StreamFX set-up for the benchmarks that drive the real `streamfx` command: the
benchmark server, a real OBS Studio under Xvfb and a real Secret Service keyring (the
test suite's own starters, tests/support), signed in, OBS configured and set up, and a
live session. Used by fire_cli.py and panel.py."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import PASSWORD, BenchServer

ROOT = Path(__file__).resolve().parents[1]
# The developer's own settings must not leak into the commands measured.
_OUTSIDE = (
    "STREAMFX_SERVER",
    "STREAMFX_OBS_URL",
    "STREAMFX_OBS_PASSWORD",
    "STREAMFX_NO_KEYRING",
    "PYTHON_KEYRING_BACKEND",
)


def streamfx_command() -> list[str]:
    """The installed console script next to this interpreter, as a hotkey tool runs it."""
    script = Path(sys.executable).with_name("streamfx")
    return [str(script)] if script.exists() else [sys.executable, "-m", "streamfx_cli"]


def _keyring_daemons(home: str) -> list[int]:
    """gnome-keyring-daemon processes started for this run (their HOME is ours)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if b"gnome-keyring" not in (proc / "cmdline").read_bytes():
                continue
            if f"HOME={home}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


@dataclass
class Live:
    server: BenchServer
    studio: Any  # tests.support.obs_studio.ObsStudio
    keyring: Any  # tests.support.secret_service.SecretService
    env: dict[str, str]

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [*streamfx_command(), *args],
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"streamfx {' '.join(args)} exited {done.returncode}: {done.stderr}")
        return done.stdout

    def close(self) -> None:
        self.server.stop()
        self.studio.close()
        # The test helper's stop() matches processes by name; end ours by pid instead.
        for pid in [*_keyring_daemons(self.keyring.env["HOME"]), self.keyring.dbus_pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


def start_live() -> Live:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.support import obs_studio, secret_service

    missing = obs_studio.missing_tools() + secret_service.missing_tools()
    if missing:
        raise SystemExit(
            f"this benchmark needs {', '.join(missing)} "
            "(apt-get install obs-studio xvfb dbus gnome-keyring)"
        )
    work = Path(tempfile.mkdtemp(prefix="streamfx-bench-live-"))
    keyring = secret_service.start_secret_service(work / "keyring-home")
    studio = obs_studio.ObsStudio(work / "obs")
    server = BenchServer()
    env = {k: v for k, v in keyring.env.items() if k not in _OUTSIDE}
    env["STREAMFX_HOME"] = str(server.home)
    # Measure an installed CLI, which has its bytecode compiled: with
    # PYTHONDONTWRITEBYTECODE set (as in some dev shells) StreamFX's own modules,
    # unlike the libraries', would be compiled from source on every run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    live = Live(server, studio, keyring, env)
    try:
        studio.start()
        server.start().sign_in()
        live.cli(
            "login",
            "--server",
            server.url,
            "--email",
            "bench@example.com",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        host, port, password = studio.endpoint
        live.cli(
            "obs",
            "config",
            "--host",
            host,
            "--port",
            str(port),
            "--password-stdin",
            stdin=password + "\n",
        )
        config = server.home / "config"
        if (config / "credentials.json").exists() or (config / "obs-password.json").exists():
            raise RuntimeError("the secrets went to files, not to the Secret Service keyring")
        live.cli("obs", "setup")
        live.cli("session", "start", "--platform", "twitch")
    except BaseException:
        live.close()
        raise
    return live
