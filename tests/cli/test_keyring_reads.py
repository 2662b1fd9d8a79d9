"""Reading the sign-in straight from the Secret Service (the hotkey path skips keyring's
backend discovery): only where keyring itself chose the Secret Service to store it, and
with exactly keyring's answers."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.core
import pytest

from streamfx_cli import credentials
from streamfx_cli.credentials import CredentialStore, Login

LOGIN = Login("http://127.0.0.1:1", "a@example.com", "cr_1", "access", "refresh")


@pytest.fixture
def real_keyring(secret_service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process talks to the test session's Secret Service; returns a config folder."""
    for name in ("HOME", "DBUS_SESSION_BUS_ADDRESS", "XDG_DATA_HOME", "XDG_RUNTIME_DIR"):
        monkeypatch.setenv(name, secret_service.env[name])
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.delenv("STREAMFX_NO_KEYRING", raising=False)
    # keyring keeps the backend it chose for the process; other tests chose `fail`.
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    monkeypatch.setattr(credentials, "_secret_service", credentials._SecretServiceReader())
    return tmp_path / "config"


def _no_discovery() -> None:
    raise AssertionError("keyring's backend discovery ran")


def test_reads_skip_discovery_where_keyring_chose_the_secret_service(
    real_keyring: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CredentialStore(real_keyring)
    assert store.save(LOGIN) == "keyring"
    mark = real_keyring / credentials.BACKEND_MARK
    assert mark.read_text() == credentials.SECRET_SERVICE
    assert keyring.get_password(credentials.SERVICE, "login") is not None

    monkeypatch.setattr(credentials, "_discovered", _no_discovery)
    assert store.load() == LOGIN
    assert CredentialStore(real_keyring).load() == LOGIN  # the same connection, again
    # A secret that is not there is None, as keyring says, without asking keyring.
    assert credentials.KeyringSlot("nothing-here", mark).get() is None


def test_anything_that_could_change_keyrings_choice_goes_through_keyring(
    real_keyring: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    CredentialStore(real_keyring).save(LOGIN)
    mark = real_keyring / credentials.BACKEND_MARK
    assert credentials._secret_service_in_use(mark)

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    assert not credentials._secret_service_in_use(mark)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")

    monkeypatch.setenv("KEYRING_PROPERTY_PREFERRED_COLLECTION", "/org/freedesktop/secrets/x")
    assert not credentials._secret_service_in_use(mark)
    monkeypatch.delenv("KEYRING_PROPERTY_PREFERRED_COLLECTION")

    config = tmp_path / "xdg" / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True)
    config.write_text("[backend]\ndefault-keyring=keyring.backends.SecretService.Keyring\n")
    assert not credentials._secret_service_in_use(mark)
    config.unlink()

    mark.write_text("keyring.backends.kwallet.DBusKeyring")
    assert not credentials._secret_service_in_use(mark)
    mark.unlink()
    assert not credentials._secret_service_in_use(mark)
    # Without the shortcut the sign-in is still read, through keyring.
    assert CredentialStore(real_keyring).load() == LOGIN


def test_a_broken_shortcut_falls_back_to_keyring(
    real_keyring: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    CredentialStore(real_keyring).save(LOGIN)

    class Broken:
        def get(self, service: str, username: str) -> str | None:
            raise OSError("the bus went away")

    monkeypatch.setattr(credentials, "_secret_service", Broken())
    assert CredentialStore(real_keyring).load() == LOGIN
