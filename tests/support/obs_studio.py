"""A real OBS Studio under Xvfb for the OBS tests (docs/ARCHITECTURE.md, "Testing with real parts").

One OBS runs for the whole test session in a temporary HOME, on its own X
display (Xvfb picks a free one via -displayfd), its own free port and a
random password, so it never meets a streamer's own OBS or config. The
bridge tests (tests/obs) and the CLI's end-to-end tests (tests/cli) share it
through the fixtures in tests/conftest.py; this module holds the machinery
and the helpers both use (pictures, screenshots, a standard stage).
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import select
import shutil
import signal
import struct
import subprocess
import time
import wave
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from streamfx_cli.obs.connection import ObsConnection
from streamfx_cli.obs.errors import ObsError, ObsRequestFailed
from streamfx_cli.obs.setup import FADE, FADED

from .live_server import free_port
from .waiting import wait_until

CANVAS = (640, 360)  # small: OBS renders in software under Xvfb on 2 cores
FPS = 30
START_TIMEOUT_S = 60.0


class ObsEndpoint(NamedTuple):
    host: str
    port: int
    password: str


class ObsExited(RuntimeError):
    pass


def _write_config(home: Path, port: int, password: str) -> None:
    config = home / ".config" / "obs-studio"
    profile = config / "basic" / "profiles" / "Untitled"
    profile.mkdir(parents=True, exist_ok=True)
    # OBS 29 reads the websocket settings from global.ini, not plugin_config;
    # LastVersion and [Basic] keep the first-run wizard away.
    (config / "global.ini").write_text(
        "[General]\n"
        "FirstRun=true\n"
        "LastVersion=486539266\n"
        "\n"
        "[Basic]\n"
        "Profile=Untitled\n"
        "ProfileDir=Untitled\n"
        "SceneCollection=Untitled\n"
        "SceneCollectionFile=Untitled\n"
        "\n"
        "[OBSWebSocket]\n"
        "FirstLoad=false\n"
        "ServerEnabled=true\n"
        f"ServerPort={port}\n"
        "AuthRequired=true\n"
        f"ServerPassword={password}\n"
        "AlertsEnabled=false\n"
    )
    # A fixed canvas makes pixel positions and frame timing predictable.
    w, h = CANVAS
    # A replay buffer (simple output mode, x264 at its cheapest) saving into HOME/Videos,
    # for the replay kind; it stays off until a test starts it.
    videos = home / "Videos"
    videos.mkdir(parents=True, exist_ok=True)
    (profile / "basic.ini").write_text(
        "[General]\nName=Untitled\n\n"
        f"[Video]\nBaseCX={w}\nBaseCY={h}\nOutputCX={w}\nOutputCY={h}\n"
        f"FPSType=0\nFPSCommon={FPS}\n\n"
        "[Output]\nMode=Simple\n\n"
        f"[SimpleOutput]\nFilePath={videos}\nRecFormat=mkv\nRecQuality=Stream\n"
        "StreamEncoder=x264\nPreset=ultrafast\nVBitrate=300\n"
        "RecRB=true\nRecRBTime=5\nRecRBSize=32\n"
    )


def _stop_group(proc: subprocess.Popen[bytes] | None, grace_s: float = 5.0) -> None:
    """End a process we started in its own session, and everything it spawned."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


class ObsStudio:
    """Starts, stops and restarts one OBS Studio; keeps its config across restarts."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.home = workdir / "home"
        self.log_path = workdir / "obs.log"
        self.xvfb_log = workdir / "xvfb.log"
        self.endpoint = ObsEndpoint("127.0.0.1", free_port(), secrets.token_urlsafe(16))
        self.display: str | None = None
        self.startup_s: float | None = None
        self._xvfb: subprocess.Popen[bytes] | None = None
        self._obs: subprocess.Popen[bytes] | None = None
        _write_config(self.home, self.endpoint.port, self.endpoint.password)

    def _start_xvfb(self) -> None:
        read_fd, write_fd = os.pipe()
        w, h = CANVAS
        number = b""
        try:
            with self.xvfb_log.open("ab") as log:
                self._xvfb = subprocess.Popen(
                    [
                        "Xvfb",
                        "-displayfd",
                        str(write_fd),
                        "-screen",
                        "0",
                        f"{max(w, 1280)}x{max(h, 720)}x24",
                        "-nolisten",
                        "tcp",
                    ],
                    pass_fds=(write_fd,),
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    start_new_session=True,
                )
            os.close(write_fd)
            write_fd = -1
            # Xvfb writes the number and the newline separately and dies if
            # the pipe is gone in between: read up to the newline.
            deadline = time.monotonic() + 15
            while not number.endswith(b"\n") and time.monotonic() < deadline:
                ready, _, _ = select.select([read_fd], [], [], 0.5)
                if ready:
                    chunk = os.read(read_fd, 32)
                    if not chunk:
                        break
                    number += chunk
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        if not number.strip():
            _stop_group(self._xvfb)
            raise RuntimeError(f"Xvfb did not start:\n{self.xvfb_log.read_text(errors='replace')}")
        self.display = f":{number.decode().strip()}"

    def start(self) -> None:
        try:
            self._start_once()
        except ObsExited:
            # One more try on a fresh display in case the X server went away.
            _stop_group(self._xvfb)
            self._xvfb = None
            self._start_once()

    def _start_once(self) -> None:
        if self._xvfb is None or self._xvfb.poll() is not None:
            self._start_xvfb()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("XDG_", "WAYLAND", "DBUS_SESSION"))
        }
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            DISPLAY=str(self.display),
            QT_QPA_PLATFORM="xcb",
            LIBGL_ALWAYS_SOFTWARE="1",
        )
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            self._obs = subprocess.Popen(
                # Without --multi a second OBS on the machine waits forever
                # on an "already running" dialog.
                ["obs", "--disable-shutdown-check", "--minimize-to-tray", "--multi"],
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready(started)

    def _wait_ready(self, started: float) -> None:
        deadline = started + START_TIMEOUT_S
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self._obs is not None and self._obs.poll() is not None:
                raise ObsExited(f"OBS exited with {self._obs.returncode}:\n{self.log_tail()}")
            try:
                with self.connect(timeout=1.0) as conn:
                    # Answers 207 (not ready) until the frontend has loaded;
                    # call() retries that for a few seconds by itself.
                    if conn.call("GetSceneList").get("currentProgramSceneName"):
                        self.startup_s = time.monotonic() - started
                        return
            except ObsError as exc:
                last = exc
            time.sleep(0.2)
        raise RuntimeError(
            f"OBS did not answer on port {self.endpoint.port} within {START_TIMEOUT_S:g} s "
            f"({last}):\n{self.log_tail()}"
        )

    def stop(self) -> None:
        # OBS 29 dies at once on SIGTERM; it saves the scene collection on
        # every change, so nothing set up is lost.
        _stop_group(self._obs)
        self._obs = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        _stop_group(self._xvfb)
        self._xvfb = None

    def connect(self, **kwargs: float) -> ObsConnection:
        host, port, password = self.endpoint
        return ObsConnection(host, port, password, **kwargs)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no OBS log)"
        return "\n".join(text.splitlines()[-lines:])


# -- pictures and sounds, pure Python ------------------------------------------


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    rgba: bytes

    def pixel(self, x: int, y: int) -> tuple[int, int, int, int]:
        i = (y * self.width + x) * 4
        r, g, b, a = self.rgba[i : i + 4]
        return r, g, b, a

    def count(
        self,
        predicate: Callable[[tuple[int, int, int, int]], bool],
        rows: range | None = None,
    ) -> int:
        """How many pixels (in `rows`, default all) match."""
        rows = rows or range(self.height)
        start, stop = rows.start * self.width * 4, rows.stop * self.width * 4
        px = self.rgba
        return sum(
            1 for i in range(start, stop, 4) if predicate((px[i], px[i + 1], px[i + 2], px[i + 3]))
        )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour 8-bit RGB PNG."""
    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(row * height))
        + _png_chunk(b"IEND", b"")
    )


def decode_png(data: bytes) -> Picture:
    """Decode the 8-bit RGB/RGBA, non-interlaced PNGs that OBS produces (the CLI's own
    reader, which `streamfx preview` uses too)."""
    from streamfx_cli.png import decode

    picture = decode(data)
    return Picture(picture.width, picture.height, picture.pixels)


def write_wav(path: Path, seconds: float) -> Path:
    """A quiet 440 Hz mono WAV of the given length."""
    import math

    rate = 22050
    frames = b"".join(
        struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(rate * seconds))
    )
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return path


def take_screenshot(
    conn: ObsConnection, source: str | None = None, width: int | None = None
) -> Picture:
    """GetSourceScreenshot of a source (default: the program scene) as decoded pixels.

    `width` asks OBS for a smaller picture (same aspect), which decodes much
    faster in pure Python.
    """
    if source is None:
        source = conn.call("GetCurrentProgramScene")["currentProgramSceneName"]
    data: dict[str, object] = {"sourceName": source, "imageFormat": "png"}
    if width:
        data["imageWidth"] = width
    shot = conn.call("GetSourceScreenshot", data)
    encoded = str(shot["imageData"]).split(",", 1)[1]
    return decode_png(base64.b64decode(encoded))


def save_screenshot(conn: ObsConnection, name: str, source: str | None = None) -> Path:
    """The program picture (or `source`'s) as test-artifacts/<name>.png, full size."""
    if source is None:
        source = conn.call("GetCurrentProgramScene")["currentProgramSceneName"]
    shot = conn.call("GetSourceScreenshot", {"sourceName": source, "imageFormat": "png"})
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(base64.b64decode(str(shot["imageData"]).split(",", 1)[1]))
    return path


# -- looking --------------------------------------------------------------------


def near(rgb: tuple[int, ...], want: tuple[int, int, int], tolerance: int = 3) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(rgb[:3], want, strict=True))


def hex_rgb(color: str) -> tuple[int, int, int]:
    v = color.lstrip("#")
    return int(v[0:2], 16), int(v[2:4], 16), int(v[4:6], 16)


def center(picture: Picture) -> tuple[int, int, int, int]:
    return picture.pixel(picture.width // 2, picture.height // 2)


def program_scene(conn: ObsConnection) -> str:
    return str(conn.call("GetCurrentProgramScene")["currentProgramSceneName"])


def item_id(conn: ObsConnection, scene: str, source: str) -> int:
    return int(
        conn.call("GetSceneItemId", {"sceneName": scene, "sourceName": source})["sceneItemId"]
    )


def item_enabled(conn: ObsConnection, source: str, scene: str = "StreamFX") -> bool:
    return bool(
        conn.call(
            "GetSceneItemEnabled",
            {"sceneName": scene, "sceneItemId": item_id(conn, scene, source)},
        )["sceneItemEnabled"]
    )


def places_seen(
    conn: ObsConnection, scene: str, source: str, within: float, enough: int = 6
) -> set[tuple[object, object]]:
    """Where `source` sat in `scene`, looked at until `enough` different places were seen or
    `within` seconds (what is left of the effect moving it) have passed."""
    seen: set[tuple[object, object]] = set()

    def look() -> bool:
        t = item_transform(conn, scene, source)
        seen.add((t["positionX"], t["positionY"]))
        return len(seen) >= enough

    with contextlib.suppress(AssertionError):
        wait_until(look, within, f"{source} to move")
    return seen


def item_transform(conn: ObsConnection, scene: str, source: str) -> dict[str, object]:
    return dict(
        conn.call(
            "GetSceneItemTransform",
            {"sceneName": scene, "sceneItemId": item_id(conn, scene, source)},
        )["sceneItemTransform"]
    )


# -- a standard stage -------------------------------------------------------------

GAMEPLAY, BRB, BACKDROP = "Gameplay", "BRB", "Backdrop"
BACKDROP_RGB = (0x20, 0x20, 0x40)
STREAMFX_SOURCES = (
    "StreamFX Text",
    "StreamFX Flash",
    "StreamFX Image",
    "StreamFX Media",
    "StreamFX Banner Bar",
    "StreamFX Banner Stripe",
)
# Pictures a test keeps for a person to look at (git ignores the folder).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def obs_rgb(rgb: tuple[int, int, int]) -> int:
    """An opaque colour as OBS stores it (ABGR)."""
    r, g, b = rgb
    return 0xFF000000 | (b << 16) | (g << 8) | r


def build_stage(conn: ObsConnection) -> None:
    """A "Gameplay" scene (a dark backdrop filling the canvas) live, and a "BRB" scene.

    Creates only what is missing and puts back what earlier tests changed
    (items they added to Gameplay, which an OBS restart may even bring back
    from the saved collection; a moved backdrop), so any test may call it.
    Runs no setup, but keeps the StreamFX item if setup put one there.
    """
    scenes = {s["sceneName"] for s in conn.call("GetSceneList")["scenes"]}
    w, h = CANVAS
    for scene in (GAMEPLAY, BRB):
        if scene not in scenes:
            conn.call("CreateScene", {"sceneName": scene})
    inputs = {i["inputName"] for i in conn.call("GetInputList")["inputs"]}
    if BACKDROP not in inputs:
        conn.call(
            "CreateInput",
            {
                "sceneName": GAMEPLAY,
                "inputName": BACKDROP,
                "inputKind": "color_source_v3",
                "inputSettings": {"color": obs_rgb(BACKDROP_RGB), "width": w, "height": h},
            },
        )
    for item in conn.call("GetSceneItemList", {"sceneName": GAMEPLAY})["sceneItems"]:
        if item["sourceName"] not in (BACKDROP, "StreamFX"):
            # Best effort: an item an earlier test removed may still be listed a moment.
            conn.batch(
                [
                    {
                        "requestType": "RemoveSceneItem",
                        "requestData": {
                            "sceneName": GAMEPLAY,
                            "sceneItemId": item["sceneItemId"],
                        },
                    }
                ]
            )
        elif item["sourceName"] == BACKDROP:
            transform = item["sceneItemTransform"]
            if (transform["positionX"], transform["positionY"]) != (0.0, 0.0):
                conn.call(
                    "SetSceneItemTransform",
                    {
                        "sceneName": GAMEPLAY,
                        "sceneItemId": item["sceneItemId"],
                        "sceneItemTransform": {"positionX": 0.0, "positionY": 0.0},
                    },
                )
    conn.call("SetCurrentProgramScene", {"sceneName": GAMEPLAY})


def effects_idle(conn: ObsConnection) -> bool:
    """No StreamFX source is showing and every fade is back at rest (earlier tests'
    effects have ended, their exits too), twice a few frames apart: an effect `draw`
    has just sent starts on OBS's next frame, so one look could come before it."""

    def idle() -> bool:
        names = {i["inputName"] for i in conn.call("GetInputList")["inputs"]}
        showing = any(item_enabled(conn, s) for s in STREAMFX_SOURCES if s in names)
        return not showing and all(fade_opacity(conn, s) == 1.0 for s in FADED if s in names)

    if not idle():
        return False
    time.sleep(0.15)
    return idle()


def fade_opacity(conn: ObsConnection, source: str) -> float | None:
    """The opacity of a StreamFX source's fade filter; None if it has none."""
    try:
        found = conn.call("GetSourceFilter", {"sourceName": source, "filterName": FADE})
    except ObsRequestFailed:
        return None
    return float(found["filterSettings"].get("opacity", 1.0))


def first_frames(requests: list[dict[str, Any]], frames: int) -> list[dict[str, Any]]:
    """A SerialFrame animation cut after its `frames`-th frame: sent on its own (and
    waited for) it leaves OBS showing that frame, for a picture to check."""
    out: list[dict[str, Any]] = []
    for entry in requests:
        out.append(entry)
        if entry["requestType"] == "Sleep":
            frames -= 1
            if frames == 0:
                break
    return out


def missing_tools() -> list[str]:
    return [tool for tool in ("obs", "Xvfb") if shutil.which(tool) is None]


def obs_studio_or_skip(workdir: Path) -> ObsStudio:
    """A started ObsStudio; skips the test without obs/Xvfb, fails instead under CI."""
    import pytest

    missing = missing_tools()
    if missing:
        reason = (
            f"{' and '.join(missing)} not installed: "
            "`apt-get install obs-studio xvfb` to run the OBS tests"
        )
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must install them)")
        pytest.skip(reason)
    studio = ObsStudio(workdir)
    try:
        studio.start()
    except BaseException:
        studio.close()
        raise
    return studio


__all__ = [
    "BACKDROP",
    "BACKDROP_RGB",
    "BRB",
    "CANVAS",
    "FPS",
    "GAMEPLAY",
    "ObsEndpoint",
    "ObsStudio",
    "Picture",
    "build_stage",
    "center",
    "decode_png",
    "effects_idle",
    "encode_png",
    "hex_rgb",
    "item_enabled",
    "item_id",
    "item_transform",
    "near",
    "obs_rgb",
    "obs_studio_or_skip",
    "places_seen",
    "program_scene",
    "save_screenshot",
    "take_screenshot",
    "write_wav",
]
