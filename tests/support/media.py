"""Small files of each accepted type, and uploads of them over HTTP."""

from __future__ import annotations

import itertools
import struct
import zlib

import httpx


def png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (255, 102, 0)) -> bytes:
    """A real, decodable PNG filled with one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# Headers as real encoders write them, padded: the server judges only the first bytes.
SAMPLES: dict[str, bytes] = {
    "image/png": png(),
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\x00" * 64,
    "image/gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\x66\x00\x00\x00\x00!\xf9\x04"
    + b"\x00" * 64,
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 64,
    "video/mp4": b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2mp41" + b"\x00" * 64,
    "video/webm": bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d")
    + bytes.fromhex("42878104428581021853806701")
    + b"\x00" * 64,
    "audio/mpeg": b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 64,
    "audio/ogg": b"OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00"
    + b"\x01\x1e\x01vorbis"
    + b"\x00" * 64,
    "audio/wav": b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00" + b"\x00" * 64,
}


_names = itertools.count(1)


def upload(
    client: httpx.Client,
    content: bytes,
    *,
    name: str | None = None,
    kind: str = "image",
    category: str = "alert",
    filename: str = "clip.png",
    content_type: str = "image/png",
    **fields: str,
) -> httpx.Response:
    """Upload `content` as a new effect; without a name each call gets a fresh one."""
    data = {"name": name or f"Clip {next(_names)}", "kind": kind, "category": category, **fields}
    return client.post(
        "/api/effects/upload", data=data, files={"file": (filename, content, content_type)}
    )
