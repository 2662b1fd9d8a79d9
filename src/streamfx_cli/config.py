"""The CLI's small settings file (server URL, OBS address); never holds secrets."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .paths import config_dir, private_dir

DEFAULT_SERVER = "http://127.0.0.1:8420"


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
