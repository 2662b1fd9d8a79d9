"""The CLI's small settings file (server URL, OBS address); never holds secrets."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .paths import config_dir, private_dir

DEFAULT_SERVER = "http://127.0.0.1:8420"
DEFAULT_PORT = 8420
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def config_path() -> Path:
    return config_dir() / "config.json"


def load_config() -> dict[str, Any]:
    try:
        return json.loads(config_path().read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def save_config(values: dict[str, Any]) -> None:
    private_dir(config_dir())
    path = config_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(values, indent=2, sort_keys=True))
    os.replace(tmp, path)


def update_config(**values: Any) -> None:
    current = load_config()
    current.update({k: v for k, v in values.items() if v is not None})
    save_config(current)


def normalize_server(url: str) -> str:
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = f"http://{url}"
    return url


def server_url(explicit: str | None = None, stored: str | None = None) -> str:
    """Flag, then STREAMFX_SERVER, then the signed-in server, then config, then the default."""
    chosen = explicit or os.environ.get("STREAMFX_SERVER") or stored or load_config().get("server")
    return normalize_server(chosen or DEFAULT_SERVER)


def start_command(url: str) -> str | None:
    """The `streamfx server run` line that starts a server answering at `url` (its port,
    its host), or None when `url` is not on this computer (docs/CLI.md "Which server")."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if host not in LOOPBACK:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port that is not a number: no line would start it
        return None
    line = "streamfx server run"
    if host == "::1":
        line += " --host ::1"
    return line if port == DEFAULT_PORT else f"{line} --port {port}"
