"""Streaming multipart upload with a Rich progress bar."""

from __future__ import annotations

import mimetypes
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .api import Api
    from .api_types import Effect

CHUNK = 256 * 1024


def guess_kind(path: Path) -> str:
    content_type = mimetypes.guess_type(path.name)[0] or ""
    return "image" if content_type.startswith("image/") else "media"


def _multipart(path: Path, fields: dict[str, str], boundary: str, advance) -> Iterator[bytes]:
    for key, value in fields.items():
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
        ).encode()
    safe_name = path.name.replace('"', "_").replace("\r", "_").replace("\n", "_")
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            advance(len(chunk))
            yield chunk
    yield f"\r\n--{boundary}--\r\n".encode()


def upload_with_progress(
    api: Api, path: Path, fields: dict[str, str], *, quiet: bool = False
) -> Effect:
    """POST the file as it is read, so a large file never sits in memory."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    size = os.path.getsize(path)
    boundary = f"streamfx-{secrets.token_hex(12)}"
    # On stderr, and only on a terminal (as `streamfx import`): piped, stdout is the
    # answer alone, without the blank line a finished bar leaves.
    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
        disable=quiet or not console.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task(f"Uploading {path.name}", total=size)
        body = _multipart(path, fields, boundary, lambda n: progress.advance(task, n))
        return api.upload_effect(body, f"multipart/form-data; boundary={boundary}")
