"""Lay preview frames out as one PNG contact sheet: `streamfx preview -o sheet.png`.

Frames go left to right, then down, in the order they were taken, up to `COLUMNS` a
row, with a dark gap between them. Transparent parts of a frame (an overlay page has
no background) are shown over a grey checkerboard, as `streamfx overlay preview` does.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .png import Rgba, encode_rgb

COLUMNS = 4
GAP = 6  # pixels between frames and around the sheet
GAP_RGB = (0x10, 0x10, 0x14)
CHECKER = 8  # square size of the checkerboard behind transparent parts
CHECKER_RGB = ((0x3A, 0x3A, 0x3A), (0x5A, 0x5A, 0x5A))


def _checker_row(width: int, y: int) -> bytes:
    first = (y // CHECKER) % 2
    out = bytearray()
    for x in range(0, width, CHECKER):
        out += bytes(CHECKER_RGB[(first + x // CHECKER) % 2]) * min(CHECKER, width - x)
    return bytes(out)


def _flatten_row(row: bytes, y: int) -> bytes:
    """One RGBA row as RGB over the checkerboard."""
    width = len(row) // 4
    alpha = row[3::4]
    rgb = bytearray(width * 3)
    if alpha == b"\xff" * width:  # opaque (OBS frames mostly): just drop alpha
        for k in range(3):
            rgb[k::3] = row[k::4]
        return bytes(rgb)
    under = _checker_row(width, y)
    for k in range(3):
        rgb[k::3] = bytes(
            (c * a + u * (255 - a)) // 255
            for c, a, u in zip(row[k::4], alpha, under[k::3], strict=True)
        )
    return bytes(rgb)


def compose(frames: Sequence[Rgba]) -> bytes:
    """The frames as one PNG; they must all be the same size."""
    if not frames:
        raise ValueError("a contact sheet needs at least one frame")
    w, h = frames[0].width, frames[0].height
    if any((f.width, f.height) != (w, h) for f in frames):
        raise ValueError("the frames of a contact sheet must all be the same size")
    columns = min(COLUMNS, len(frames))
    rows = math.ceil(len(frames) / columns)
    sheet_w = columns * w + (columns + 1) * GAP
    gap_row = bytes(GAP_RGB) * sheet_w
    gap_cell = bytes(GAP_RGB) * GAP
    out = bytearray()
    for r in range(rows):
        out += gap_row * GAP
        cells = frames[r * columns : (r + 1) * columns]
        for y in range(h):
            out += gap_cell
            for c in range(columns):
                if c < len(cells):
                    stride = w * 4
                    out += _flatten_row(cells[c].pixels[y * stride : (y + 1) * stride], y)
                else:
                    out += bytes(GAP_RGB) * w
                out += gap_cell
    out += gap_row * GAP
    sheet_h = rows * h + (rows + 1) * GAP
    return encode_rgb(sheet_w, sheet_h, bytes(out))


def frame_box(index: int, frame_w: int, frame_h: int, count: int) -> tuple[int, int]:
    """The top-left corner of frame `index` on a sheet of `count` such frames."""
    columns = min(COLUMNS, count)
    row, col = divmod(index, columns)
    return GAP + col * (frame_w + GAP), GAP + row * (frame_h + GAP)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (a temporary file, then a rename)."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temp, 0o666 & ~mask)  # as a plain open() would have made it
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
