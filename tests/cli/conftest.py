"""Running the real `streamfx` command (tests/support/cli.py), with or without a keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.accounts import register
from tests.support.cli import Cli, clean_env
from tests.support.secret_service import SecretService, missing_tools, start_secret_service


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
    return Cli.without_keyring(tmp_path / "home")


@pytest.fixture
def keyring_cli(tmp_path: Path, secret_service: SecretService) -> Cli:
    """A CLI whose tokens go to a real Secret Service keyring."""
    env = clean_env(secret_service.env, keep_bus=True)
    return Cli(tmp_path / "home", {**env, "STREAMFX_HOME": str(tmp_path / "home")})


@pytest.fixture
def signed_in(server, file_cli: Cli) -> Cli:
    """A CLI signed in (file fallback, so it runs anywhere) as a fresh free-tier creator."""
    account = register(server)
    done = file_cli.login(server.url, account["email"])
    assert done.returncode == 0, done.stderr
    file_cli.email = account["email"]  # type: ignore[attr-defined]
    return file_cli
