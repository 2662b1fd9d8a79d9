"""Server settings: one frozen object handed to `create_app`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .clock import Clock, SystemClock

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def _env_int(name: str, default: int, unit: str = "seconds") -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of {unit}, not {raw!r}.") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {value}.")
    return value


def _env_seconds(name: str, default: float) -> float:
    """A positive number of seconds, fractions allowed (tests use a tenth)."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}.") from None
    if not 0 < value < float("inf"):
        raise ValueError(f"{name} must be a positive number of seconds, not {raw}.")
    return value


def _env_port(name: str) -> int | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ValueError(f"{name} must be a port number from 1 to 65535, not {raw!r}.")
    return int(raw)


def public_url_checked(url: str, name: str = "--public-url") -> str:
    """`url` without a trailing slash, when it is an http(s) URL with a host and nothing
    after its path (overlay URLs are built on it: docs/CLI.md "Behind a reverse proxy")."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an http:// or https:// URL with a host, not {url!r}.")
    if parts.query or parts.fragment:
        raise ValueError(f"{name} must not have a query or fragment: {url!r}.")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(f"{name} has a port that is not a number: {url!r}.") from None
    return url.strip().rstrip("/")


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
    # Sign-up attempts that get as far as hashing a password, per client address per
    # hour: the attempts that cost the server something (hash_slots.py).
    signups_per_hour: int = 10
    # Password hashes (64 MiB, ~300 ms each) at once, server-wide, and how long others
    # wait for a turn before getting 503. One per 4 cores: each hash runs 4 lanes.
    hash_slots: int = field(default_factory=lambda: max(1, (os.cpu_count() or 1) // 4))
    hash_queue_wait: int = 5
    # Slow clients (slow_clients.py): seconds to send a request's headers, seconds a
    # request body may go without a byte, and open connections before new requests get
    # 503. 1000 leaves room for 500 overlays and panels with as many requests in flight.
    header_timeout: float = 10.0
    body_idle_timeout: float = 15.0
    max_connections: int = 1000
    # /docs and /redoc load Swagger UI and ReDoc from a public CDN, which a self-hosted
    # box may not reach: off unless asked for (`--docs`).
    docs: bool = False
    public_url: str | None = None
    # The event log (event_log.py) keeps events at least this long, and beyond that
    # at most this many per creator; it is pruned every `events_prune_every` seconds.
    events_keep_seconds: int = 24 * 3600
    events_keep_count: int = 10_000
    events_prune_every: int = 300
    # How often the expiry sweeper (delivery_sweeper.py) looks for pending activations
    # past their maxDelayMs: an expiry is known at most this late.
    delivery_sweep_every: float = 1.0
    # Rules (docs/RULES.md): how often the timer scheduler looks for a due tick (a tick is
    # fired at most this late), how many webhook calls one hook takes per minute, and the
    # clock sessions, triggers and timers read (tests set a `SettableClock`).
    rules_scan_every: float = 1.0
    hook_calls_per_minute: int = 60
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def from_env(cls, data_dir: Path | None = None, **overrides: object) -> Settings:
        """Settings from the environment, then `overrides` (the flags of `streamfx server
        run`; a None is a flag not given): where to listen and the data folder
        (`STREAMFX_HOST`, `STREAMFX_PORT`, `STREAMFX_DATA_DIR`, `STREAMFX_PUBLIC_URL`),
        token lifetimes, the hashing queue's wait, the event log's retention and the
        expiry sweep's period (tests shorten them). ValueError names a bad variable."""
        env_dir = os.environ.get("STREAMFX_DATA_DIR")
        chosen_dir = data_dir or (Path(env_dir).expanduser() if env_dir else None)
        if chosen_dir is None:
            raise ValueError("No data folder: pass --data-dir or set STREAMFX_DATA_DIR.")
        env_url = os.environ.get("STREAMFX_PUBLIC_URL")
        values: dict[str, object] = {
            "host": os.environ.get("STREAMFX_HOST") or cls.host,
            "port": _env_port("STREAMFX_PORT") or cls.port,
            "public_url": public_url_checked(env_url, "STREAMFX_PUBLIC_URL") if env_url else None,
            "access_ttl": _env_int("STREAMFX_ACCESS_TTL", cls.access_ttl),
            "refresh_ttl": _env_int("STREAMFX_REFRESH_TTL", cls.refresh_ttl),
            "hash_queue_wait": _env_int("STREAMFX_HASH_QUEUE_WAIT", cls.hash_queue_wait),
            "events_keep_seconds": _env_int(
                "STREAMFX_EVENTS_KEEP_SECONDS", cls.events_keep_seconds
            ),
            "events_keep_count": _env_int(
                "STREAMFX_EVENTS_KEEP_COUNT", cls.events_keep_count, "events"
            ),
            "events_prune_every": _env_int("STREAMFX_EVENTS_PRUNE_EVERY", cls.events_prune_every),
            "delivery_sweep_every": _env_seconds(
                "STREAMFX_DELIVERY_SWEEP_EVERY", cls.delivery_sweep_every
            ),
            "rules_scan_every": _env_seconds("STREAMFX_RULES_SCAN_EVERY", cls.rules_scan_every),
            "hook_calls_per_minute": _env_int(
                "STREAMFX_HOOK_CALLS_PER_MINUTE", cls.hook_calls_per_minute, "calls"
            ),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(data_dir=Path(chosen_dir), **values)  # type: ignore[arg-type]

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
        if self.public_url:  # the name a reverse proxy passes on
            names.add((urlsplit(self.public_url).hostname or "").lower())
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
