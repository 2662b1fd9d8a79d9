"""Where OBS is and how to sign in to it: the environment, then `streamfx obs config`.

The address lives in config.json; the WebSocket password is a secret and goes
where the sign-in tokens go (the OS keyring, or a 0600 file where there is
none), never into config.json. `STREAMFX_OBS_URL` and `STREAMFX_OBS_PASSWORD`
override both, for scripts and tests.

No Typer here, and the `obs` package is imported only when connecting, so
`streamfx fire` pays for it only when it draws.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .config import load_config, update_config
from .errors import ObsCannotShow, ObsUnreachable, StreamFXError
from .paths import config_dir

if TYPE_CHECKING:
    from .credentials import SecretStore
    from .obs import ObsConnection, ObsError

ENV_URL = "STREAMFX_OBS_URL"
ENV_PASSWORD = "STREAMFX_OBS_PASSWORD"
# obs-websocket's own defaults (the same as streamfx_cli.obs.DEFAULT_HOST/PORT,
# repeated so reading settings does not import the WebSocket client).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4455
CONFIG_KEY = "obs"


@dataclass(frozen=True)
class ObsSettings:
    host: str
    port: int
    password: str
    address_from: str  # "env", "config" or "default"
    password_from: str  # "env", "keyring", "file" or "none"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}"

    def describe_address(self) -> str:
        return {
            "env": f"from {ENV_URL}",
            "config": "saved with `streamfx obs config`",
            "default": "the default",
        }[self.address_from]


def parse_address(text: str) -> tuple[str, int | None]:
    """`ws://host:port`, `host:port` or `host` to (host, port or None); ValueError if not one."""
    raw = text.strip()
    if "://" not in raw:
        raw = f"ws://{raw}"
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise ValueError(f"{text!r} is not a ws://host:port address") from None
    if parts.scheme == "wss":
        raise ValueError("obs-websocket speaks plain ws://, not wss://")
    if (
        parts.scheme != "ws"
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
        or port == 0
    ):
        raise ValueError(f"{text!r} is not a ws://host:port address")
    return parts.hostname, port


def password_store() -> SecretStore:
    from .credentials import SecretStore

    return SecretStore("obs-password", config_dir() / "obs-password.json")


def _saved_address() -> tuple[str | None, int | None]:
    saved = load_config().get(CONFIG_KEY)
    if not isinstance(saved, dict):
        return None, None
    host = saved.get("host") if isinstance(saved.get("host"), str) else None
    port = saved.get("port") if isinstance(saved.get("port"), int) else None
    return host, port


def load_settings() -> ObsSettings:
    """The OBS address and password to use now. Raises ObsUnreachable for a bad STREAMFX_OBS_URL."""
    env_url = os.environ.get(ENV_URL, "").strip()
    if env_url:
        try:
            host, env_port = parse_address(env_url)
        except ValueError as exc:
            raise ObsUnreachable(
                f"{ENV_URL} is not usable: {exc}.", "Set it like ws://127.0.0.1:4455, or unset it."
            ) from None
        port = env_port or DEFAULT_PORT
        address_from = "env"
    else:
        saved_host, saved_port = _saved_address()
        host, port = saved_host or DEFAULT_HOST, saved_port or DEFAULT_PORT
        address_from = "config" if saved_host or saved_port else "default"

    env_password = os.environ.get(ENV_PASSWORD)
    if env_password is not None:
        password, password_from = env_password, "env"
    else:
        store = password_store()
        stored = store.get()
        password = stored or ""
        password_from = store.where if stored else "none"
    return ObsSettings(host, port, password, address_from, password_from)


def save_address(host: str | None = None, port: int | None = None) -> None:
    saved = load_config().get(CONFIG_KEY)
    current: dict[str, Any] = dict(saved) if isinstance(saved, dict) else {}
    if host is not None:
        current["host"] = host
    if port is not None:
        current["port"] = port
    update_config(**{CONFIG_KEY: current})


def cli_error(exc: ObsError, settings: ObsSettings) -> StreamFXError:
    """The bridge's error as the CLI's, with the documented exit code (7 or 8) and a hint."""
    from .obs import ObsAuthFailed, ObsNotSetUp, ObsUnavailable

    message = str(exc)
    if isinstance(exc, ObsAuthFailed):
        if settings.password_from == "env":
            hint = f"{ENV_PASSWORD} holds the wrong password: fix it, or unset it."
        elif settings.password_from == "none":
            hint = "No OBS password is saved: run `streamfx obs config --ask-password`."
        else:
            hint = "Save the right one with `streamfx obs config --ask-password`."
        return ObsUnreachable(message, hint)
    if isinstance(exc, ObsUnavailable):
        change = (
            "fix or unset that variable"
            if settings.address_from == "env"
            else "change it with `streamfx obs config --host HOST --port PORT`"
        )
        return ObsUnreachable(
            message,
            f"StreamFX looks for OBS at {settings.url} ({settings.describe_address()}); {change}.",
        )
    if isinstance(exc, ObsNotSetUp):
        return ObsCannotShow(message, "`streamfx obs status` lists what is missing.")
    return ObsCannotShow(message)


@contextmanager
def connect(timeout: float = 2.0) -> Iterator[ObsConnection]:
    """An identified connection to OBS; every bridge error leaves as the CLI's (exit 7 or 8)."""
    settings = load_settings()
    from .obs import ObsConnection, ObsError

    try:
        with ObsConnection(
            settings.host, settings.port, settings.password, timeout=timeout
        ) as conn:
            yield conn
    except ObsError as exc:
        raise cli_error(exc, settings) from None
