"""Control panel: `streamfx tui` from start to its first interactive frame, and from a key
press to OBS showing the effect, in a real terminal (a pty, 120x36) with the server, a
real OBS and a real keyring running (bench/live.py).

- Start: from spawning `streamfx tui` until the effect grid is on screen (the panel takes
  keys from then on). Baseline, alternating with it: a bare Textual app of one line, from
  spawning to its first frame: what any Textual program costs.
- Key to OBS: from writing the digit of the Flash tile into the terminal until OBS says
  the StreamFX Flash item was enabled (a SceneItemEnableStateChanged event, read on a
  separate obs-websocket connection). Baseline, alternating: the same trigger and the same
  draw from a plain script with its HTTP client and OBS connection already open.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import threading
import time

import httpx
from common import median, percentile
from live import Live, start_live, streamfx_command

STARTS = 8
PRESSES = 20
ROWS, COLS = 36, 120
START_TIMEOUT_S = 60.0
# Between two starts: what the last one left to the server (its last requests, the
# WebSocket closing) must not land on the next one's start, the bare app's included.
SETTLE_S = 0.5
_ANSI = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-B]|\x1b[=>]"
)
_BARE_APP = (
    "from textual.app import App\n"
    "from textual.widgets import Static\n"
    "class Bare(App):\n"
    "    def compose(self):\n"
    "        yield Static('bare-textual-ready')\n"
    "Bare().run()\n"
)


class Terminal:
    """A program in a pty of ROWS x COLS; everything it prints is kept, escapes removed."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal before the program looks at it
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.execvpe(argv[0], argv, {**env, "TERM": "xterm-256color"})
        self.pid, self.fd = pid, fd
        self.text = b""
        self._raw = b""
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.5)
                chunk = os.read(self.fd, 65536) if ready else b""
            except OSError:
                return
            if ready and not chunk:
                return
            if chunk:
                with self._changed:
                    self._raw += chunk
                    self.text = _ANSI.sub(b"", self._raw[-200_000:])
                    self._changed.notify_all()

    def wait_for(self, pattern: bytes, timeout: float) -> re.Match[bytes]:
        """Wait until `pattern` shows; returns its match (in the text printed so far)."""
        deadline = time.perf_counter() + timeout
        with self._changed:
            while (match := re.search(pattern, self.text)) is None:
                left = deadline - time.perf_counter()
                if left <= 0:
                    tail = self.text[-2000:].decode(errors="replace")
                    raise TimeoutError(f"{pattern!r} did not show in {timeout:g} s:\n{tail}")
                self._changed.wait(left)
        return match

    def press(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def close(self) -> None:
        try:
            self.press("q")
            deadline = time.perf_counter() + 5
            while time.perf_counter() < deadline:
                if os.waitpid(self.pid, os.WNOHANG)[0]:
                    break
                time.sleep(0.05)
            else:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except (OSError, ChildProcessError):
            pass
        finally:
            os.close(self.fd)


class ObsEvents:
    """A second obs-websocket connection that notes when a StreamFX scene item turns on."""

    def __init__(self, host: str, port: int, password: str) -> None:
        import websocket

        self.ws = websocket.create_connection(f"ws://{host}:{port}", timeout=10)
        hello = json.loads(self.ws.recv())["d"]
        identify: dict = {"rpcVersion": 1, "eventSubscriptions": 1 << 7}  # SceneItems
        if hello.get("authentication"):
            auth = hello["authentication"]
            secret = base64.b64encode(hashlib.sha256((password + auth["salt"]).encode()).digest())
            identify["authentication"] = base64.b64encode(
                hashlib.sha256(secret + auth["challenge"].encode()).digest()
            ).decode()
        self.ws.send(json.dumps({"op": 1, "d": identify}))
        while json.loads(self.ws.recv())["op"] != 2:
            pass
        self.shown: list[float] = []
        self._seen = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                message = json.loads(self.ws.recv())
            except Exception:
                return
            now = time.perf_counter()
            data = message.get("d", {})
            if (
                data.get("eventType") == "SceneItemEnableStateChanged"
                and data.get("eventData", {}).get("sceneName") == "StreamFX"
                and data["eventData"].get("sceneItemEnabled")
            ):
                with self._seen:
                    self.shown.append(now)
                    self._seen.notify_all()

    def wait_shown_after(self, started: float, timeout: float = 10.0) -> float:
        deadline = time.perf_counter() + timeout
        with self._seen:
            while not any(t >= started for t in self.shown):
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError("OBS did not show the effect")
                self._seen.wait(left)
            return min(t for t in self.shown if t >= started)

    def close(self) -> None:
        self.ws.close()


def _starts(live: Live) -> dict[str, list[float]]:
    panel = [*streamfx_command(), "tui"]
    bare = [sys.executable, "-c", _BARE_APP]
    times: dict[str, list[float]] = {"panel": [], "obs": [], "bare": []}
    for i in range(STARTS + 1):
        term = Terminal(panel, live.env)
        try:
            term.wait_for(rb"\d Confetti", START_TIMEOUT_S)
            ready = time.perf_counter() - term.started
            term.wait_for(rb"connected \(obs-websocket", START_TIMEOUT_S)
            connected = time.perf_counter() - term.started
        finally:
            term.close()
        time.sleep(SETTLE_S)
        term = Terminal(bare, live.env)
        try:
            term.wait_for(rb"bare-textual-ready", START_TIMEOUT_S)
            bare_ready = time.perf_counter() - term.started
        finally:
            term.close()
        time.sleep(SETTLE_S)
        if i:  # the first of each warms the disk cache and the bytecode
            times["panel"].append(ready * 1000)
            times["obs"].append(connected * 1000)
            times["bare"].append(bare_ready * 1000)
    return times


def _presses(live: Live, events: ObsEvents) -> dict[str, list[float]]:
    from streamfx_cli.obs import ObsConnection
    from streamfx_cli.obs.draw import draw

    times: dict[str, list[float]] = {"panel": [], "script": []}
    term = Terminal([*streamfx_command(), "tui"], live.env)
    host, port, password = live.studio.endpoint
    try:
        digit = term.wait_for(rb"(\d) Flash", START_TIMEOUT_S).group(1).decode()
        term.wait_for(rb"connected \(obs-websocket", START_TIMEOUT_S)
        time.sleep(1.0)  # the panel's first reloads are over
        with (
            httpx.Client(base_url=live.server.url, headers=live.server.auth) as http,
            ObsConnection(host, port, password) as conn,
        ):
            body = {"effectId": "flash"}  # in the live session
            http.post("/api/effects/trigger", json=body).raise_for_status()  # warm up
            for i in range(PRESSES + 1):
                pressed = time.perf_counter()
                term.press(digit)
                panel_ms = (events.wait_shown_after(pressed) - pressed) * 1000
                time.sleep(0.6)  # the flash (250 ms) is over and the feed settled
                started = time.perf_counter()
                response = http.post("/api/effects/trigger", json=body)
                response.raise_for_status()
                draw(conn, response.json()["render"])
                script_ms = (events.wait_shown_after(started) - started) * 1000
                time.sleep(0.6)
                if i:
                    times["panel"].append(panel_ms)
                    times["script"].append(script_ms)
    finally:
        term.close()
    return times


def _spread(values: list[float]) -> str:
    return f"{median(values):.0f} ms (p10 {percentile(values, 10):.0f}, p90 {percentile(values, 90):.0f})"


def run() -> list[tuple[str, str, str, str]]:
    live = start_live()
    try:
        starts = _starts(live)
        host, port, password = live.studio.endpoint
        events = ObsEvents(host, port, password)
        try:
            presses = _presses(live, events)
        finally:
            events.close()
    finally:
        live.close()
    return [
        (
            f"`streamfx tui` start to effect grid (median of {STARTS})",
            _spread(starts["panel"]),
            f"bare Textual app to first frame {_spread(starts['bare'])}",
            f"ratio {median(starts['panel']) / median(starts['bare']):.2f}; "
            f"OBS connected at {median(starts['obs']):.0f} ms",
        ),
        (
            f"panel key press to OBS showing the effect (median of {PRESSES})",
            _spread(presses["panel"]),
            f"same trigger + draw from a script, connections open {_spread(presses['script'])}",
            f"panel adds {median(presses['panel']) - median(presses['script']):.0f} ms",
        ),
    ]
