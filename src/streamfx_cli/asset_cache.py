"""Uploaded effect files on this computer, for OBS to read.

OBS needs a local path for image and media sources. Each asset is downloaded
once into `<cache>/assets/<sha256>.<ext>`, checked against its sha256 while it
streams, and only then moved into place; a file that does not match is
deleted and never used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ObsCannotShow
from .paths import cache_dir, private_dir

if TYPE_CHECKING:
    from .api import Api

# What the server stores and serves (streamfx_server.uploads.sniff).
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "audio/wav": "wav",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def assets_dir() -> Path:
    return cache_dir() / "assets"


def cached_path(asset: Mapping[str, Any]) -> Path:
    """Where this asset lives (or will) in the cache; the name never comes from the server."""
    sha256 = str(asset.get("sha256", "")).lower()
    if not _SHA256.match(sha256):
        raise ObsCannotShow(f"The server sent an asset id that is not a sha256: {sha256[:80]!r}.")
    ext = EXTENSIONS.get(str(asset.get("contentType", "")), "bin")
    return assets_dir() / f"{sha256}.{ext}"


def ensure_local(api: Api, asset: Mapping[str, Any], label: str) -> Path:
    """The asset's absolute local path, downloading it first if it is not cached yet.

    `api` is signed in; `label` names the effect in messages. Raises
    ObsCannotShow when the bytes do not match.
    """
    path = cached_path(asset)
    if path.is_file():
        return path.resolve()
    sha256 = path.name.split(".", 1)[0]
    folder = private_dir(path.parent)  # uploads are the creator's own
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".download-", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:

            def write(chunk: bytes) -> None:
                digest.update(chunk)
                handle.write(chunk)

            # Built from the hash rather than taken from the render, so the
            # sign-in token only ever goes to this server's asset route.
            api.download_asset(sha256, write)
            handle.flush()
            os.fsync(handle.fileno())
        if digest.hexdigest() != sha256:
            raise ObsCannotShow(
                f"The file downloaded for {label!r} does not match its checksum, so it was "
                "thrown away.",
                "Fire the effect again; if this keeps happening, upload the file again.",
            )
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path.resolve()


def fetcher(api: Api) -> Callable[[Mapping[str, Any], str], Path]:
    """`obs.show.FetchAsset` through this cache: what `fire` and the panel hand to `obs.show`."""
    return lambda asset, label: ensure_local(api, asset, label)
