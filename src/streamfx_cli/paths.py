"""Where StreamFX keeps things. `STREAMFX_HOME` puts everything under one folder."""

from __future__ import annotations

import os
from pathlib import Path

APP = "streamfx"


def _home() -> Path | None:
    raw = os.environ.get("STREAMFX_HOME")
    return Path(raw).expanduser() if raw else None


def config_dir() -> Path:
    home = _home()
    if home:
        return home / "config"
    from platformdirs import user_config_path

    return user_config_path(APP)


def data_dir() -> Path:
    home = _home()
    if home:
        return home / "data"
    from platformdirs import user_data_path

    return user_data_path(APP)


def cache_dir() -> Path:
    home = _home()
    if home:
        return home / "cache"
    from platformdirs import user_cache_path

    return user_cache_path(APP)


def private_dir(path: Path) -> Path:
    """Create `path` readable only by its owner (it holds tokens and keys)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def runtime_dir() -> Path:
    """Sockets and other things that live only while this user is logged in."""
    home = _home()
    if home:
        return home / "run"
    from platformdirs import user_runtime_path

    return user_runtime_path(APP)
