"""Small real media files for upload tests, made on the spot (no fixtures on disk)."""

from __future__ import annotations

import base64
import io
import math
import struct
import wave
from typing import Any

from tests.support.media import png


def solid_png(width: int, height: int, colour: str) -> bytes:
    """An RGB PNG of one `#RRGGBB` colour."""
    r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
    return png(width, height, (r, g, b))


def tone_wav(seconds: float, hz: float = 440.0, rate: int = 22050) -> bytes:
    """A mono 16-bit sine tone."""
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * hz * i / rate)))
        for i in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def record_webm(context: Any, colour: str, seconds: float = 1.5) -> bytes:
    """A real WebM (VP8) video of one colour, recorded by the browser's own MediaRecorder."""
    page = context.new_page()
    try:
        encoded = page.evaluate(
            """async ([colour, ms]) => {
              const c = document.createElement('canvas');
              c.width = 320;
              c.height = 180;
              const g = c.getContext('2d');
              const rec = new MediaRecorder(c.captureStream(30), {mimeType: 'video/webm;codecs=vp8'});
              const chunks = [];
              rec.ondataavailable = (e) => chunks.push(e.data);
              const stopped = new Promise((resolve) => (rec.onstop = resolve));
              rec.start();
              const t0 = performance.now();
              await new Promise((resolve) => {
                const frame = () => {
                  g.fillStyle = colour;
                  g.fillRect(0, 0, 320, 180);
                  g.fillStyle = '#ffffff';  // a moving mark, so that frames differ
                  g.fillRect(((performance.now() - t0) / 5) % 300, 4, 16, 16);
                  if (performance.now() - t0 < ms) requestAnimationFrame(frame);
                  else resolve();
                };
                frame();
              });
              rec.stop();
              await stopped;
              const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
              let s = '';
              for (const b of bytes) s += String.fromCharCode(b);
              return btoa(s);
            }""",
            [colour, seconds * 1000],
        )
    finally:
        page.close()
    return base64.b64decode(encoded)
