"""The JWT signing key: generated once, kept in a file only its owner can read."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

KEY_BYTES = 64


def load_or_create_secret(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
    # A key file that others can read must not be trusted silently; tighten it.
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, 0o600)
    key = bytes.fromhex(path.read_text().strip())
    if len(key) < 32:
        raise RuntimeError(f"The signing key in {path} is too short; delete it to make a new one.")
    return key
