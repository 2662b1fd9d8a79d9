"""Server settings: one frozen object handed to `create_app`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of seconds, not {raw!r}.") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {value}.")
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8420
    allow_signup: bool = False
    allowed_hosts: tuple[str, ...] = ()
    access_ttl: int = 15 * 60
    refresh_ttl: int = 30 * 24 * 3600
    issuer: str = "streamfx"
    audience: str = "streamfx-api"
    max_json_body: int = 1024 * 1024
    login_max_failures: int = 5
    login_window: int = 15 * 60
    # A client address gets more room than one email, because a household
    # or a stream team shares one address.
    client_max_failures: int = 30
    ws_auth_timeout: float = 5.0
    public_url: str | None = None

    @classmethod
    def from_env(cls, data_dir: Path, **overrides: object) -> Settings:
        """Settings with token lifetimes taken from the environment (tests shorten them)."""
        values: dict[str, object] = {
            "access_ttl": _env_int("STREAMFX_ACCESS_TTL", cls.access_ttl),
            "refresh_ttl": _env_int("STREAMFX_REFRESH_TTL", cls.refresh_ttl),
        }
        values.update(overrides)
        return cls(data_dir=Path(data_dir), **values)  # type: ignore[arg-type]

    @property
    def db_path(self) -> Path:
        return self.data_dir / "streamfx.db"

    @property
    def secret_path(self) -> Path:
        return self.data_dir / "jwt-secret"

    @property
    def assets_dir(self) -> Path:
        return self.data_dir / "assets"

    @property
    def host_names(self) -> frozenset[str]:
        """Every Host header value (without port) this server answers to."""
        names = {*LOOPBACK_NAMES, *(h.lower() for h in self.allowed_hosts)}
        if self.host not in ("0.0.0.0", "::"):
            names.add(self.host.lower().strip("[]"))
        return frozenset(names)

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.host
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"


def is_loopback(host: str) -> bool:
    return host.strip("[]").lower() in LOOPBACK_NAMES or host.startswith("127.")
