"""Receiving uploaded files: streamed, capped while reading, typed by content, stored by hash.

Starlette's own form parsing spools file parts of any size and trusts the
client's file name and Content-Type (docs/SECURITY.md). Here the body is fed
straight from `request.stream()` into python-multipart's streaming parser,
the file part goes to a temp file inside the assets folder while it is
hashed, and the read stops at the tier's cap, so an oversize body never
reaches the disk beyond the cap and never leaves a partial file behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks
from starlette.requests import ClientDisconnect, Request

from .errors import APIError
from .infra.settings import Settings
from .tiers import LARGEST_UPLOAD_CAP, describe_size

SNIFF_BYTES = 64
MAX_FIELD_BYTES = 1024
MAX_PARTS = 16
# Multipart framing and the small text fields on top of the file itself.
FORM_OVERHEAD = 64 * 1024
UPLOAD_PATH = "/api/effects/upload"
# Names of files still being received; never a valid `<sha256>.<ext>`.
TEMP_PREFIX, TEMP_SUFFIX = ".upload-", ".part"

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def body_limit(settings: Settings) -> Callable[[str], int]:
    """BodyLimitMiddleware's limit: the upload route holds each tier to its own, smaller cap."""
    upload_limit = LARGEST_UPLOAD_CAP + FORM_OVERHEAD

    def limit_for(path: str) -> int:
        return upload_limit if path == UPLOAD_PATH else settings.max_json_body

    return limit_for


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, file extension) from a file's first bytes, or None if not accepted."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif", "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav", "wav"
    if head[4:8] == b"ftyp" and head[8:12] not in _NOT_MP4_BRANDS:
        return "video/mp4", "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head:
        return "video/webm", "webm"
    if head.startswith(b"OggS"):
        return "audio/ogg", "ogg"
    if head.startswith(b"ID3") or _mp3_frame(head):
        return "audio/mpeg", "mp3"
    return None


# ISO-BMFF brands that are not MP4 video/audio (HEIF/AVIF stills, QuickTime).
_NOT_MP4_BRANDS = {b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif", b"avis", b"qt  "}


def _mp3_frame(head: bytes) -> bool:
    # MPEG audio frame sync (11 set bits), layer III, and a bitrate index that is not "bad".
    return (
        len(head) >= 3
        and head[0] == 0xFF
        and head[1] & 0xE0 == 0xE0
        and (head[1] >> 1) & 0x3 == 0x1
        and head[2] >> 4 != 0xF
    )


def kind_accepts(kind: str, content_type: str) -> bool:
    if kind == "image":
        return content_type in IMAGE_TYPES
    return content_type.startswith(("video/", "audio/"))


@dataclass
class Received:
    fields: dict[str, str]
    temp_path: Path | None = None
    sha256: str = ""
    size: int = 0
    content_type: str = ""
    ext: str = ""
    original_name: str | None = None

    def discard(self) -> None:
        if self.temp_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.temp_path.unlink()
            self.temp_path = None


def too_large(tier: str, cap: int) -> APIError:
    return APIError(
        413,
        "file_too_large",
        f"Files on the {tier} tier can be at most {describe_size(cap)}.",
        hint="Send a smaller file, or ask the server owner for a higher tier.",
        extra={"limit": cap, "tier": tier},
    )


def unsupported(detail: str) -> APIError:
    return APIError(
        415,
        "unsupported_file_type",
        detail,
        hint="Upload PNG, JPEG, GIF or WebP images, or MP4, WebM, MP3, OGG or WAV media.",
    )


def _bad_form(message: str) -> APIError:
    return APIError(
        400,
        "bad_upload",
        message,
        hint="Send multipart/form-data with a `file` part and the effect's fields.",
    )


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    header_name: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    name: str = ""
    is_file: bool = False
    value: bytearray = field(default_factory=bytearray)


class _Receiver:
    """Callbacks for MultipartParser; raising inside one stops the parse."""

    def __init__(
        self,
        directory: Path,
        cap: int,
        tier: str,
        on_file_start: Callable[[dict[str, str]], None],
    ) -> None:
        self.directory = directory
        self.cap = cap
        self.tier = tier
        self.on_file_start = on_file_start
        self.out = Received(fields={})
        self.part = _Part()
        self.parts = 0
        self.file: IO[bytes] | None = None
        self.hash = hashlib.sha256()
        self.head = bytearray()
        self.sniffed = False
        self.done = False

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": lambda d, s, e: self.part.header_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self.part.header_value.extend(d[s:e]),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_end": self.end,
        }

    def part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise _bad_form("The upload has too many parts.")
        self.part = _Part()

    def header_end(self) -> None:
        name = self.part.header_name.decode("latin-1").strip().lower()
        self.part.headers[name] = self.part.header_value.decode("latin-1").strip()
        self.part.header_name.clear()
        self.part.header_value.clear()

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get("content-disposition", ""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if not name:
            raise _bad_form("Every part of the upload needs a name.")
        self.part.name = name
        self.part.is_file = name == "file"
        if not self.part.is_file:
            return
        if self.file is not None or self.out.temp_path is not None:
            raise _bad_form("Send exactly one file per upload.")
        filename = options.get(b"filename")
        # Kept only as a label; it never becomes part of a path.
        self.out.original_name = filename.decode("utf-8", "replace")[:255] if filename else None
        self.on_file_start(dict(self.out.fields))
        fd, path = tempfile.mkstemp(dir=self.directory, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
        self.out.temp_path = Path(path)
        self.file = os.fdopen(fd, "wb")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if not self.part.is_file:
            self.part.value.extend(chunk)
            if len(self.part.value) > MAX_FIELD_BYTES:
                raise _bad_form(f"The field {self.part.name!r} is too long.")
            return
        self.out.size += len(chunk)
        if self.out.size > self.cap:
            raise too_large(self.tier, self.cap)
        if not self.sniffed:
            self.head.extend(chunk[:SNIFF_BYTES])
            if len(self.head) >= SNIFF_BYTES:
                self.sniff()
        self.hash.update(chunk)
        assert self.file is not None
        self.file.write(chunk)

    def sniff(self) -> None:
        found = sniff(bytes(self.head[:SNIFF_BYTES]))
        if found is None:
            raise unsupported("The file is not an image, video or audio type StreamFX accepts.")
        self.out.content_type, self.out.ext = found
        self.sniffed = True

    def part_end(self) -> None:
        if not self.part.is_file:
            if self.part.name in self.out.fields:
                raise _bad_form(f"The field {self.part.name!r} is given twice.")
            self.out.fields[self.part.name] = self.part.value.decode("utf-8", "replace")
            return
        if not self.sniffed:
            self.sniff()
        assert self.file is not None
        self.file.flush()
        self.file.close()
        self.file = None

    def end(self) -> None:
        self.done = True

    def abort(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        self.out.discard()


async def receive(
    request: Request,
    directory: Path,
    *,
    tier: str,
    cap: int,
    on_file_start: Callable[[dict[str, str]], None],
) -> Received:
    """Read the multipart body of `request`; the caller owns (and must discard) the temp file."""
    content_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise APIError(
            415,
            "unsupported_media_type",
            "Send the upload as multipart/form-data.",
            hint="Use `streamfx effects upload`, or curl -F file=@clip.mp4 -F name=...",
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap + FORM_OVERHEAD:
        raise too_large(tier, cap)

    receiver = _Receiver(directory, cap, tier, on_file_start)
    try:
        parser = MultipartParser(boundary, receiver.callbacks())
    except FormParserError:
        raise _bad_form("The multipart boundary is not valid.") from None
    try:
        async for chunk in request.stream():
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except FormParserError:
        receiver.abort()
        raise _bad_form("The upload is not valid multipart/form-data.") from None
    except ClientDisconnect:
        receiver.abort()
        raise _bad_form("The upload was cut off before it finished.") from None
    except BaseException:
        receiver.abort()
        raise
    if not receiver.done:
        receiver.abort()
        raise _bad_form("The upload was cut off before it finished.")
    out = receiver.out
    if out.temp_path is None:
        raise APIError(
            422,
            "validation_error",
            "Invalid file: the upload has no `file` part.",
            details=[{"field": "file", "message": "Field required"}],
        )
    out.sha256 = receiver.hash.hexdigest()
    return out


def sweep_partial_uploads(directory: Path) -> None:
    """Remove temp files left by uploads cut short by a crash; run before serving."""
    for leftover in directory.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


def place(received: Received, directory: Path) -> str:
    """Move the received file to `<sha256>.<ext>` (once per content); returns that file name.

    Call inside the database write transaction that records the asset, so a
    concurrent delete of the same content cannot remove the file in between.
    """
    assert received.temp_path is not None
    name = f"{received.sha256}.{received.ext}"
    final = directory / name
    if final.exists():
        received.discard()
    else:
        os.replace(received.temp_path, final)
        received.temp_path = None
        _fsync_dir(directory)
    return name


def sync_to_disk(received: Received) -> None:
    assert received.temp_path is not None
    with open(received.temp_path, "rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
