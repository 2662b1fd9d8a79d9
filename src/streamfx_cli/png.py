"""PNG in and out, pure Python: enough for `streamfx preview`'s contact sheets.

Reads the 8-bit RGB and RGBA, non-interlaced PNGs that OBS (GetSourceScreenshot) and
Chromium (a page screenshot) produce, and writes 8-bit RGB. No image library is a
dependency of StreamFX, and these pictures are small (a preview frame is a few hundred
pixels wide), so plain Python is fast enough.
"""

from __future__ import annotations

import itertools
import struct
import zlib
from dataclasses import dataclass

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class NotAPng(ValueError):
    """The bytes are not a PNG this module reads."""


@dataclass(frozen=True)
class Rgba:
    """A picture as rows of RGBA bytes, top row first."""

    width: int
    height: int
    pixels: bytes

    def pixel(self, x: int, y: int) -> tuple[int, int, int, int]:
        i = (y * self.width + x) * 4
        r, g, b, a = self.pixels[i : i + 4]
        return r, g, b, a


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_rgb(width: int, height: int, rgb: bytes) -> bytes:
    """An 8-bit RGB PNG of `rgb` (width * 3 bytes a row, top row first)."""
    stride = width * 3
    if len(rgb) != stride * height:
        raise ValueError(f"expected {stride * height} bytes of RGB, got {len(rgb)}")
    raw = b"".join(b"\x00" + rgb[y * stride : (y + 1) * stride] for y in range(height))
    return (
        _SIGNATURE
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def _unfilter(ftype: int, line: bytearray, prev: bytearray, bpp: int) -> None:
    """Undo one row's PNG filter in place (one loop per filter type, nothing else in it)."""
    stride = len(line)
    if ftype == 1:  # each channel is a running sum along the row
        for k in range(bpp):
            line[k::bpp] = bytes(v & 0xFF for v in itertools.accumulate(line[k::bpp]))
    elif ftype == 2:
        line[:] = bytes((x + b) & 0xFF for x, b in zip(line, prev, strict=True))
    elif ftype in (3, 4):
        # The first pixel has no left neighbour (a = c = 0): both filters then add b,
        # halved for Average.
        for i in range(bpp):
            line[i] = (line[i] + (prev[i] // 2 if ftype == 3 else prev[i])) & 0xFF
        if ftype == 3:
            for i in range(bpp, stride):
                line[i] = (line[i] + (line[i - bpp] + prev[i]) // 2) & 0xFF
            return
        for i in range(bpp, stride):
            a, b, c = line[i - bpp], prev[i], prev[i - bpp]
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))) & 0xFF
    elif ftype != 0:
        raise NotAPng(f"unknown PNG filter type {ftype}")


def decode(data: bytes) -> Rgba:
    """Decode an 8-bit RGB or RGBA non-interlaced PNG; raises NotAPng for anything else."""
    if data[:8] != _SIGNATURE:
        raise NotAPng("not a PNG")
    pos, idat = 8, bytearray()
    width = height = color_type = 0
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or color_type not in (2, 6) or interlace != 0:
                raise NotAPng("only 8-bit RGB or RGBA PNGs without interlacing are read")
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if not width or not height:
        raise NotAPng("the PNG has no picture")
    bpp = 4 if color_type == 6 else 3
    stride = width * bpp
    raw = zlib.decompress(bytes(idat))
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(ftype, line, prev, bpp)
        if bpp == 4:
            out += line
        else:
            rgba = bytearray(b"\xff" * (width * 4))
            for k in range(3):
                rgba[k::4] = line[k::3]
            out += rgba
        prev = line
    return Rgba(width, height, bytes(out))
