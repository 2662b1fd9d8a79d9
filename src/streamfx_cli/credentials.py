"""Where the sign-in lives: the OS keyring, or a 0600 file when there is no usable keyring.

Facts this relies on (keyring 25): with no Secret Service the `fail` backend is
chosen; plaintext and `null` backends have priority < 1 and must not be trusted;
Secret Service can hang on a headless machine, so every call is bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from .errors import CredentialStoreError
from .paths import config_dir, private_dir

SERVICE = "streamfx"
KEYRING_TIMEOUT = 3.0
T = TypeVar("T")


@dataclass(frozen=True)
class Login:
    server: str
    email: str
    creator_id: str
    access_token: str
    refresh_token: str


class KeyringUnavailable(Exception):
    pass


def _bounded(fn: Callable[..., T], *args: Any, timeout: float = KEYRING_TIMEOUT) -> T:
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise KeyringUnavailable("the system keyring did not answer in time")
    if "error" in result:
        raise KeyringUnavailable(str(result["error"])) from result["error"]
    return result["value"]


class KeyringSlot:
    """One named secret in the OS keyring; raises KeyringUnavailable when there is no real keyring."""

    def __init__(self, name: str) -> None:
        self.name = name

    @staticmethod
    def _backend() -> Any:
        import keyring

        backend = keyring.get_keyring()
        if getattr(backend, "priority", 0) < 1:
            raise KeyringUnavailable(f"no secure keyring ({type(backend).__name__})")
        return backend

    def get(self) -> str | None:
        return _bounded(lambda: self._backend().get_password(SERVICE, self.name))

    def set(self, value: str) -> None:
        def write() -> None:
            backend = self._backend()
            backend.set_password(SERVICE, self.name, value)
            # Some backends accept a write and drop it; only a read-back proves it is stored.
            if backend.get_password(SERVICE, self.name) != value:
                raise KeyringUnavailable("the keyring did not keep the secret")

        _bounded(write)

    def delete(self) -> None:
        def remove() -> None:
            import keyring.errors

            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                self._backend().delete_password(SERVICE, self.name)

        _bounded(remove)


class SecretFile:
    """A JSON file only its owner can read: the fallback where no keyring works."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get(self) -> str | None:
        try:
            return self.path.read_text()
        except FileNotFoundError:
            return None

    def set(self, value: str) -> None:
        private_dir(self.path.parent)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)


class SecretStore:
    """Keyring first, file second. `where` says which one the last read or write used."""

    def __init__(self, name: str, fallback: Path) -> None:
        self.keyring = KeyringSlot(name)
        self.file = SecretFile(fallback)
        self.where = "keyring"

    def get(self) -> str | None:
        if os.environ.get("STREAMFX_NO_KEYRING") != "1":
            try:
                value = self.keyring.get()
            except KeyringUnavailable:
                pass
            else:
                if value is not None:
                    self.where = "keyring"
                    return value
        value = self.file.get()
        if value is not None:
            self.where = "file"
        return value

    def set(self, value: str) -> str:
        """Store `value`; returns "keyring" or "file"."""
        if os.environ.get("STREAMFX_NO_KEYRING") != "1":
            try:
                self.keyring.set(value)
            except KeyringUnavailable:
                pass
            else:
                self.file.delete()
                self.where = "keyring"
                return self.where
        try:
            self.file.set(value)
        except OSError as exc:
            raise CredentialStoreError(
                f"Could not save to {self.file.path}: {exc.strerror}."
            ) from exc
        self.where = "file"
        return self.where

    def delete(self) -> None:
        with contextlib.suppress(KeyringUnavailable):
            self.keyring.delete()
        self.file.delete()


class CredentialStore:
    """The signed-in account's tokens."""

    def __init__(self, directory: Path | None = None) -> None:
        directory = directory or config_dir()
        self.secret = SecretStore("login", directory / "credentials.json")
        self.lock_path = directory / "refresh.lock"

    @property
    def where(self) -> str:
        return self.secret.where

    @property
    def fallback_path(self) -> Path:
        return self.secret.file.path

    def load(self) -> Login | None:
        raw = self.secret.get()
        if not raw:
            return None
        try:
            return Login(**json.loads(raw))
        except (json.JSONDecodeError, TypeError):
            return None  # written by something else; treat as signed out

    def save(self, login: Login) -> str:
        return self.secret.set(json.dumps(asdict(login)))

    def clear(self) -> None:
        self.secret.delete()
