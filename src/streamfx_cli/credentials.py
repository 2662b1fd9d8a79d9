"""Where the sign-in lives: the OS keyring, or a 0600 file when there is no usable keyring.

Facts this relies on (keyring 25): with no Secret Service the `fail` backend is
chosen; plaintext and `null` backends have priority < 1 and must not be trusted;
Secret Service can hang on a headless machine, so every call is bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
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


SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
# Holds SECRET_SERVICE when keyring chose the Secret Service the last time a secret
# of this config was stored; reads may then go to the Secret Service directly.
BACKEND_MARK = "keyring-backend"


def _discovered() -> Any:
    """keyring's own choice: $PYTHON_KEYRING_BACKEND, keyringrc.cfg, else the best of
    every backend its entry points name (importing keyring alone takes ~60 ms, and
    discovery ~60 ms more: even on Linux, the macOS backend runs a subprocess)."""
    import keyring

    return keyring.get_keyring()


def _keyring_config_file() -> Path:
    """keyring.util.platform_.config_root() / "keyringrc.cfg" on Linux, without importing keyring."""
    root = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(root, "python_keyring", "keyringrc.cfg")


def _secret_service_in_use(mark: Path) -> bool:
    """keyring would read our secrets from the Secret Service, with its default settings.

    True only on Linux, when keyring chose the Secret Service itself the last time
    a secret was stored here (`mark`), and nothing could make it choose otherwise
    or read differently now: no $PYTHON_KEYRING_BACKEND, no keyringrc.cfg, no
    KEYRING_PROPERTY_* (preferred collection, scheme).
    """
    if not sys.platform.startswith("linux"):
        return False
    if any(k == "PYTHON_KEYRING_BACKEND" or k.startswith("KEYRING_PROPERTY_") for k in os.environ):
        return False
    try:
        if mark.read_text().strip() != SECRET_SERVICE:
            return False
    except OSError:
        return False
    return not _keyring_config_file().exists()


class _SecretServiceReader:
    """Reads a secret as keyring's Secret Service backend does with its defaults (the
    default collection, attributes {username, service}), through secretstorage, which
    that backend uses too, without importing keyring. Anything unusual (a locked
    collection or item, no default collection) raises, and keyring takes over.

    One D-Bus connection and one encrypted session serve every read of the process
    (a hotkey reads the sign-in and the OBS password); keyring opens both per read.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._collection: Any = None

    def get(self, service: str, username: str) -> str | None:
        with self._lock:
            try:
                return self._get(service, username)
            except BaseException:
                self._close()  # a fresh connection next time
                raise

    def _get(self, service: str, username: str) -> str | None:
        if self._collection is None:
            import secretstorage
            from secretstorage.util import open_session

            connection = secretstorage.dbus_init()
            try:
                # keyring uses get_default_collection(), which also creates the collection
                # when there is none; without one this raises, and keyring takes over.
                collection = secretstorage.Collection(connection, session=open_session(connection))
            except BaseException:
                connection.close()
                raise
            self._collection = collection
        for item in self._collection.search_items({"username": username, "service": service}):
            # In a locked collection, or a locked item, this raises (get_secret checks
            # first), and keyring then asks to unlock it, as it always did.
            return item.get_secret().decode("utf-8")
        return None

    def _close(self) -> None:
        collection, self._collection = self._collection, None
        if collection is not None:
            with contextlib.suppress(Exception):
                collection.connection.close()


_secret_service = _SecretServiceReader()


def _read(mark: Path, name: str) -> str | None:
    if _secret_service_in_use(mark):
        # On any trouble keyring itself decides, and reports, what is wrong.
        with contextlib.suppress(Exception):
            return _secret_service.get(SERVICE, name)
    return _secure(_discovered()).get_password(SERVICE, name)


def _remember(mark: Path, backend: Any) -> None:
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    try:
        if name == SECRET_SERVICE:
            if not mark.exists() or mark.read_text().strip() != name:
                SecretFile(mark).set(name)
        else:
            mark.unlink(missing_ok=True)
    except OSError:
        pass  # only a shortcut: reads then go through discovery


def _secure(backend: Any) -> Any:
    if getattr(backend, "priority", 0) < 1:
        raise KeyringUnavailable(f"no secure keyring ({type(backend).__name__})")
    return backend


class KeyringSlot:
    """One named secret in the OS keyring; raises KeyringUnavailable when there is no real keyring.

    Writes and deletes go through keyring's discovery, and note in `mark` whether
    it chose the Secret Service; reads then go to the Secret Service directly.
    """

    def __init__(self, name: str, mark: Path | None = None) -> None:
        self.name = name
        self.mark = mark or config_dir() / BACKEND_MARK

    def get(self) -> str | None:
        return _bounded(_read, self.mark, self.name)

    def set(self, value: str) -> None:
        def write() -> None:
            backend = _secure(_discovered())
            backend.set_password(SERVICE, self.name, value)
            # Some backends accept a write and drop it; only a read-back proves it is stored.
            if backend.get_password(SERVICE, self.name) != value:
                raise KeyringUnavailable("the keyring did not keep the secret")
            _remember(self.mark, backend)

        _bounded(write)

    def delete(self) -> None:
        def remove() -> None:
            import keyring.errors

            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                _secure(_discovered()).delete_password(SERVICE, self.name)

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
        self.keyring = KeyringSlot(name, fallback.parent / BACKEND_MARK)
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

    def in_secret_service(self) -> bool:
        """Whether a read goes to the Secret Service (over D-Bus, with its own imports and
        key exchange) rather than to a file: the panel reads it after its first frame."""
        keyring_allowed = os.environ.get("STREAMFX_NO_KEYRING") != "1"
        return keyring_allowed and _secret_service_in_use(self.secret.keyring.mark)

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
