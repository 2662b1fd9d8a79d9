"""Running the real `streamfx` command: in a subprocess, with its own STREAMFX_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.secret_service import SecretService, missing_tools, start_secret_service

NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
# The developer's own settings must not leak into the command under test.
_OUTSIDE = (
    "DBUS_SESSION_BUS_ADDRESS",
    "STREAMFX_SERVER",
    "STREAMFX_OBS_URL",
    "STREAMFX_OBS_PASSWORD",
)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _OUTSIDE}


@dataclass
class Cli:
    home: Path
    env: dict[str, str]

    def run(
        self,
        *args: str,
        input: str | None = None,
        timeout: float = 30,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "streamfx_cli", *args],
            input=input,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def popen(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "streamfx_cli", *args],
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @property
    def credentials_file(self) -> Path:
        return self.home / "config" / "credentials.json"


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretService]:
    missing = missing_tools()
    if missing:
        pytest.skip(
            f"needs {', '.join(missing)} for a real Secret Service keyring (apt-get install dbus gnome-keyring)"
        )
    service = start_secret_service(tmp_path_factory.mktemp("keyring-home"))
    yield service
    service.stop()


@pytest.fixture
def file_cli(tmp_path: Path) -> Cli:
    """A CLI on a machine without any keyring: tokens fall back to a 0600 file."""
    return Cli(
        tmp_path / "home", {**_clean_env(), **NO_KEYRING, "STREAMFX_HOME": str(tmp_path / "home")}
    )


@pytest.fixture
def keyring_cli(tmp_path: Path, secret_service: SecretService) -> Cli:
    """A CLI whose tokens go to a real Secret Service keyring."""
    env = {k: v for k, v in secret_service.env.items() if k not in _OUTSIDE[1:]}
    return Cli(tmp_path / "home", {**env, "STREAMFX_HOME": str(tmp_path / "home")})


@pytest.fixture
def signed_in(server, file_cli: Cli) -> Cli:
    """A CLI signed in (file fallback, so it runs anywhere) as a fresh free-tier creator."""
    from tests.support.accounts import PASSWORD, register

    account = register(server)
    done = file_cli.run(
        "login",
        "--server",
        server.url,
        "--email",
        account["email"],
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr
    file_cli.email = account["email"]  # type: ignore[attr-defined]
    return file_cli
