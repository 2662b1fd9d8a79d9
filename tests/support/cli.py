"""Running the real `streamfx` command: in a subprocess, with its own STREAMFX_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .accounts import PASSWORD

# Tokens go to the 0600 file, as on a machine without a keyring.
NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
# The developer's own settings must not leak into the command under test.
DEVELOPER_SETTINGS = (
    "STREAMFX_SERVER",
    "STREAMFX_OBS_URL",
    "STREAMFX_OBS_PASSWORD",
    "STREAMFX_HOME",
)
# The session bus leads to the developer's own keyring.
SESSION_BUS = "DBUS_SESSION_BUS_ADDRESS"


def clean_env(base: Mapping[str, str] | None = None, *, keep_bus: bool = False) -> dict[str, str]:
    """`base` (this process's environment by default) without the developer's settings."""
    drop = DEVELOPER_SETTINGS if keep_bus else (*DEVELOPER_SETTINGS, SESSION_BUS)
    return {k: v for k, v in (os.environ if base is None else base).items() if k not in drop}


def streamfx_argv(*args: str) -> list[str]:
    """The command line of `streamfx ARGS` in this test run's Python."""
    return [sys.executable, "-m", "streamfx_cli", *args]


@dataclass
class Cli:
    home: Path
    env: dict[str, str]

    @classmethod
    def without_keyring(cls, home: Path, **env: str) -> Cli:
        """A CLI on a machine without any keyring: tokens fall back to a 0600 file."""
        return cls(home, {**clean_env(), **NO_KEYRING, "STREAMFX_HOME": str(home), **env})

    def run(
        self,
        *args: str,
        input: str | None = None,
        timeout: float = 30,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            streamfx_argv(*args),
            input=input,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def popen(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            streamfx_argv(*args),
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def login(
        self, server_url: str, email: str, password: str = PASSWORD
    ) -> subprocess.CompletedProcess:
        """`streamfx login` with the password on stdin, as a script would sign in."""
        return self.run(
            "login",
            "--server",
            server_url,
            "--email",
            email,
            "--password-stdin",
            input=password + "\n",
        )

    def upload_logo(self, image: Path, *options: str) -> subprocess.CompletedProcess:
        """`streamfx effects upload IMAGE --name Logo --category custom [OPTIONS]`."""
        return self.run(
            "effects", "upload", str(image), "--name", "Logo", "--category", "custom", *options
        )

    @property
    def credentials_file(self) -> Path:
        return self.home / "config" / "credentials.json"
