"""The OBS agent (docs/AGENT.md): from a trigger to the effect in OBS's program picture,
and `streamfx fire` handing its trigger to the agent, with the benchmark server, a real
OBS Studio under Xvfb and a real `streamfx agent run` (bench/live.py sets them up).

"Visible" is seen, not assumed: a separate obs-websocket connection asks for
GetSourceScreenshot of the program scene at 64x36 (as fast as OBS answers for the API
runs, every 5 ms for the hotkey runs), and an effect counts as seen at the first answer
whose centre pixel has come a fifth of the way from the backdrop to its colour (every
flash gets a colour of its own; it fades in, docs/EFFECTS.md "Motion", so its full
colour comes later, and the API runs report that too). The answer's
arrival is the time, so the figures are upper bounds by up to one poll period (reported).

- API to pixel: `POST /api/effects/trigger` of a flash (opacity 1, 150 ms) at 5 per
  second on an open HTTP connection, drawn by the agent; its delivery's `latencyMs`
  (trigger to OBS confirming the start) is read back from `GET /api/activations/{id}`.
  Floor, in blocks alternating with it: the same flash sent straight to OBS from this
  script on an open connection (SetInputSettings + SetSceneItemEnabled in one batch,
  as the agent's start sends them), timed the same way. Goal: p50 within 1.5 x the
  floor's p50 plus one frame of the canvas.
- `streamfx fire flash`, process start to exit: handed to the agent, against today's
  `fire` of another creator who runs no agent (it triggers over HTTP and draws by
  itself), alternating, with `python -c pass` beside them. Goal: with the agent at most
  half of without.
- Hotkey to pixel: `streamfx fire flash --source hotkey` from process start to its
  colour in the program picture, with the agent; alternating with the same without an
  agent.

The second creator, who runs the agent, keeps the sign-in in files
(`STREAMFX_NO_KEYRING=1`): the Secret Service holds one sign-in per user, and the
first creator's is the no-agent `fire`'s. The hand-off reads no credentials.
"""

from __future__ import annotations

import colorsys
import contextlib
import itertools
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from common import PASSWORD, median, percentile, run_timed
from live import ROOT, Live, start_live, streamfx_command

TRIGGERS = 60  # API to pixel, agent and floor each
BLOCK = 10  # triggers per block; blocks of the agent and of the floor alternate
PERIOD_S = 0.2  # 5 per second
FLASH_MS = 150  # shorter than the period: no flash waits in the agent's lane for another
FIRES = 30  # fire with and without the agent, each
WARMUP = 3
HOTKEYS = 24  # hotkey to pixel, with and without the agent each
SHOT_WIDTH = 64  # 64x36 on the 640x360 canvas
# Back to back, the screenshots take about a core from the 2 here (this process and OBS's
# obs-websocket), which doubled how long `fire` takes to start; paced for the hotkey runs.
HOTKEY_PACE_S = 0.005
TOLERANCE = 6
AGENT_EMAIL = "agent-bench@example.com"


def colour(i: int) -> tuple[int, int, int]:
    """A bright colour of its own for the i-th flash; neighbours are far apart in hue."""
    r, g, b = colorsys.hsv_to_rgb((i * 0.618034) % 1.0, 0.85, 0.95)
    return round(r * 255), round(g * 255), round(b * 255)


def hex_of(rgb: tuple[int, int, int]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*rgb)


def _near(a: tuple[int, ...], b: tuple[int, int, int]) -> bool:
    return all(abs(x - y) <= TOLERANCE for x, y in zip(a[:3], b, strict=True))


def _in_sight(a: tuple[int, ...], b: tuple[int, int, int]) -> bool:
    """A viewer sees it: the pixel has come a fifth of the way from the backdrop to `b`
    (a flash fades in, docs/EFFECTS.md "Motion"; the floor's cuts in at once)."""
    from tests.support.obs_studio import BACKDROP_RGB

    whole = sum((y - z) ** 2 for y, z in zip(b, BACKDROP_RGB, strict=True)) ** 0.5
    left = sum((x - y) ** 2 for x, y in zip(a[:3], b, strict=True)) ** 0.5
    return left <= 0.8 * whole


class PixelWatch:
    """Screenshots of the program scene on a connection of its own: back to back, or one
    every `pace_s` seconds."""

    def __init__(self, studio: Any, pace_s: float = 0.0) -> None:
        from tests.support.obs_studio import program_scene

        self._conn = studio.connect()
        self._scene = program_scene(self._conn)
        self._pace_s = pace_s
        # (answered at, centre pixel), in order
        self.samples: list[tuple[float, tuple[int, int, int, int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        from tests.support.obs_studio import center, take_screenshot

        while not self._stop.is_set():
            asked = time.monotonic()
            picture = take_screenshot(self._conn, self._scene, width=SHOT_WIDTH)
            self.samples.append((time.monotonic(), center(picture)))
            if self._pace_s:
                _sleep_until(asked + self._pace_s)

    def __enter__(self) -> PixelWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self._conn.close()

    def seen(self, rgb: tuple[int, int, int], after: float) -> float | None:
        """When `rgb` was first in sight at the centre in a screenshot answered after `after`."""
        for answered, pixel in self.samples:
            if answered >= after and _in_sight(pixel, rgb):
                return answered
        return None

    def wait_seen(self, rgb: tuple[int, int, int], after: float, within: float = 5.0) -> None:
        """Wait (untimed) until `rgb` was seen, so the next run starts on a quiet stage."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline and self.seen(rgb, after) is None:
            time.sleep(0.02)

    def period_ms(self) -> float:
        times = [t for t, _ in self.samples]
        return median([b - a for a, b in itertools.pairwise(times)]) * 1000


@dataclass
class AgentHome:
    """A second creator's CLI home, signed in, OBS configured, running `streamfx agent run`."""

    env: dict[str, str]
    http: httpx.Client
    proc: subprocess.Popen | None = None
    log: Path = field(default_factory=Path)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [*streamfx_command(), *args],
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"streamfx {' '.join(args)} exited {done.returncode}: {done.stderr}")
        return done.stdout

    def state(self) -> str:
        out = self.cli("agent", "status", "--json").strip()
        return str(json.loads(out).get("state")) if out else ""

    def stop(self) -> None:
        self.http.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_agent(live: Live) -> AgentHome:
    server = live.server
    registered = httpx.post(
        f"{server.url}/api/auth/register",
        json={"email": AGENT_EMAIL, "password": PASSWORD, "displayName": "Agent bench"},
    )
    signed_in = httpx.post(
        f"{server.url}/api/auth/login", json={"email": AGENT_EMAIL, "password": PASSWORD}
    )
    if signed_in.status_code != 200:
        raise RuntimeError(f"could not sign in: {registered.text} {signed_in.text}")
    token = signed_in.json()["accessToken"]
    # Short: the agent's socket path must stay under the system's 107 bytes.
    home = Path(tempfile.mkdtemp(prefix="sfx-agent-"))
    env = {**live.env, "STREAMFX_HOME": str(home), "STREAMFX_NO_KEYRING": "1"}
    http = httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    agent = AgentHome(env, http, log=home / "agent.log")
    agent.cli(
        "login",
        "--server",
        server.url,
        "--email",
        AGENT_EMAIL,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    host, port, password = live.studio.endpoint
    agent.cli(
        "obs",
        "config",
        "--host",
        host,
        "--port",
        str(port),
        "--password-stdin",
        stdin=password + "\n",
    )
    agent.cli("session", "start", "--platform", "twitch")
    with agent.log.open("ab") as log:
        agent.proc = subprocess.Popen(
            [*streamfx_command(), "agent", "run"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 30
    while agent.state() != "drawing":
        if time.monotonic() > deadline or agent.proc.poll() is not None:
            agent.stop()
            raise RuntimeError(f"the agent did not start drawing:\n{agent.log.read_text()}")
        time.sleep(0.2)
    return agent


# -- 1. API trigger to pixel, and the floor -----------------------------------------


@dataclass
class ApiToPixel:
    agent_ms: list[float]  # to the first sight of it (docs/EFFECTS.md "Motion": it fades in)
    floor_ms: list[float]
    agent_full_ms: list[float]  # to its full colour
    latency_ms: list[float]
    statuses: dict[str, int]
    missed: dict[str, int]
    period_ms: float
    fps: float


class Floor:
    """The agent's start of a flash, sent from here on an open connection."""

    def __init__(self, studio: Any) -> None:
        from streamfx_cli.obs.setup import FLASH, SCENE

        self.conn = studio.connect()
        self.flash, self.scene = FLASH, SCENE
        self.item = self.conn.call("GetSceneItemId", {"sceneName": SCENE, "sourceName": FLASH})[
            "sceneItemId"
        ]
        video = self.conn.call("GetVideoSettings")
        self.size = int(video["baseWidth"]), int(video["baseHeight"])
        self.fps = video["fpsNumerator"] / video["fpsDenominator"]

    def _enable(self, on: bool) -> dict[str, Any]:
        data = {"sceneName": self.scene, "sceneItemId": self.item, "sceneItemEnabled": on}
        return {"requestType": "SetSceneItemEnabled", "requestData": data}

    def start(self, rgb: tuple[int, int, int]) -> None:
        from streamfx_cli.obs.draw import obs_color

        settings = {"color": obs_color(hex_of(rgb)), "width": self.size[0], "height": self.size[1]}
        for result in self.conn.batch(
            [
                {
                    "requestType": "SetInputSettings",
                    "requestData": {"inputName": self.flash, "inputSettings": settings},
                },
                self._enable(True),
            ],
            halt_on_failure=True,
        ):
            result.raise_for_status()

    def end(self) -> None:
        self.conn.batch([self._enable(False)])


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def api_to_pixel(live: Live, agent: AgentHome) -> ApiToPixel:
    floor = Floor(live.studio)
    fired: list[tuple[str, tuple[int, int, int], float]] = []  # activation, colour, sent
    drawn: list[tuple[tuple[int, int, int], float]] = []
    n = 0
    try:
        with PixelWatch(live.studio) as watch:
            time.sleep(0.5)  # the watch is polling
            for _block in range(TRIGGERS // BLOCK):
                begin = time.monotonic()
                for i in range(BLOCK):
                    _sleep_until(begin + i * PERIOD_S)
                    rgb = colour(n)
                    n += 1
                    sent = time.monotonic()
                    response = agent.http.post(
                        "/api/effects/trigger",
                        json={
                            "effectId": "flash",
                            "params": {"color": hex_of(rgb), "opacity": 1, "durationMs": FLASH_MS},
                        },
                    )
                    if response.status_code != 201:
                        raise RuntimeError(
                            f"trigger answered {response.status_code}: {response.text}"
                        )
                    fired.append((response.json()["id"], rgb, sent))
                _sleep_until(begin + BLOCK * PERIOD_S + 0.5)  # the agent's last flash ended
                begin = time.monotonic()
                for i in range(BLOCK):
                    _sleep_until(begin + i * PERIOD_S)
                    rgb = colour(n)
                    n += 1
                    sent = time.monotonic()
                    floor.start(rgb)
                    drawn.append((rgb, sent))
                    _sleep_until(sent + FLASH_MS / 1000)
                    floor.end()
                _sleep_until(begin + BLOCK * PERIOD_S + 0.5)
            period = watch.period_ms()
            samples = list(watch.samples)
    finally:
        floor.conn.close()

    def to_pixel(
        rgb: tuple[int, int, int], sent: float, seen: Callable[..., bool] = _in_sight
    ) -> float | None:
        for answered, pixel in samples:
            if answered >= sent and seen(pixel, rgb):
                return (answered - sent) * 1000
        return None

    agent_ms = [ms for _, rgb, sent in fired if (ms := to_pixel(rgb, sent)) is not None]
    agent_full_ms = [ms for _, rgb, sent in fired if (ms := to_pixel(rgb, sent, _near)) is not None]
    floor_ms = [ms for rgb, sent in drawn if (ms := to_pixel(rgb, sent)) is not None]
    latency: list[float] = []
    statuses: dict[str, int] = {}
    for activation, _, _ in fired:
        delivery = agent.http.get(f"/api/activations/{activation}").json()["delivery"]
        statuses[delivery["status"]] = statuses.get(delivery["status"], 0) + 1
        if delivery["latencyMs"] is not None:
            latency.append(float(delivery["latencyMs"]))
    return ApiToPixel(
        agent_ms,
        floor_ms,
        agent_full_ms,
        latency,
        statuses,
        {"agent": len(fired) - len(agent_ms), "floor": len(drawn) - len(floor_ms)},
        period,
        floor.fps,
    )


# -- 2. fire with and without the agent, process start to exit ---------------------


def _check(done: subprocess.CompletedProcess, expect: str) -> None:
    if done.returncode != 0 or expect not in done.stdout:
        raise RuntimeError(f"{done.args} exited {done.returncode}: {done.stdout}{done.stderr}")


def fire_times(live: Live, agent: AgentHome) -> dict[str, list[float]]:
    fire = [*streamfx_command(), "fire", "flash"]
    times: dict[str, list[float]] = {k: [] for k in ("agent", "alone", "python")}
    for k in list(times):
        times[f"{k}_cpu"] = []
    for i in range(WARMUP + FIRES):
        with_agent = run_timed(fire, agent.env)
        _check(with_agent[2], "the agent draws it")
        time.sleep(0.4)  # its flash (250 ms) has ended: the next run meets a quiet OBS
        alone = run_timed(fire, live.env)
        _check(alone[2], "shown in OBS")
        time.sleep(0.4)
        python = run_timed([sys.executable, "-c", "pass"], live.env)
        if i >= WARMUP:
            for name, (wall, cpu, _) in (
                ("agent", with_agent),
                ("alone", alone),
                ("python", python),
            ):
                times[name].append(wall)
                times[f"{name}_cpu"].append(cpu)
    return times


# -- 3. hotkey to pixel ---------------------------------------------------------------


def hotkey_to_pixel(live: Live, agent: AgentHome) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {
        "period": [],
        "agent": [],
        "alone": [],
        "agent_exit": [],
        "alone_exit": [],
        "agent_missed": [],
        "alone_missed": [],
    }
    n = 1000  # colours not used by the API run
    with PixelWatch(live.studio, HOTKEY_PACE_S) as watch:
        time.sleep(0.5)
        for i in range(WARMUP + HOTKEYS):
            for who, env in (("agent", agent.env), ("alone", live.env)):
                rgb = colour(n)
                n += 1
                command = [
                    *streamfx_command(),
                    "fire",
                    "flash",
                    "--source",
                    "hotkey",
                    "-p",
                    f"color={hex_of(rgb)}",
                    "-p",
                    "opacity=1",
                ]
                started = time.monotonic()
                done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
                exited = time.monotonic()
                _check(done, "Fired")
                watch.wait_seen(rgb, started)
                seen = watch.seen(rgb, started)
                if i >= WARMUP:
                    times[f"{who}_exit"].append((exited - started) * 1000)
                    if seen is None:
                        times[f"{who}_missed"].append(1)
                    else:
                        times[who].append((seen - started) * 1000)
                time.sleep(0.4)  # the 250 ms flash has ended
        times["period"].append(watch.period_ms())
    return times


# -- the table -------------------------------------------------------------------------


def _p(values: list[float]) -> str:
    if not values:
        return "none seen"
    return f"p50 {median(values):.0f} ms, p95 {percentile(values, 95):.0f} ms"


def run() -> list[tuple[str, str, str, str]]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    live = start_live()
    agent: AgentHome | None = None
    try:
        agent = start_agent(live)
        api = api_to_pixel(live, agent)
        fires = fire_times(live, agent)
        hotkeys = hotkey_to_pixel(live, agent)
    finally:
        if agent is not None:
            agent.stop()
        with contextlib.suppress(Exception):
            live.close()
    frame_ms = 1000 / api.fps
    allowed = 1.5 * median(api.floor_ms) + frame_ms
    api_met = median(api.agent_ms) <= allowed
    fire_ratio = median(fires["agent"]) / median(fires["alone"])
    shown = ", ".join(f"{k} {v}" for k, v in sorted(api.statuses.items()))
    return [
        (
            f"API trigger to the flash in the program picture, agent ({TRIGGERS} at 5/s; "
            f"seen {len(api.agent_ms)}; a screenshot every {api.period_ms:.1f} ms)",
            f"first sight {_p(api.agent_ms)}; full colour {_p(api.agent_full_ms)}",
            f"floor, the same flash straight to OBS: {_p(api.floor_ms)} "
            f"(seen {len(api.floor_ms)} of {TRIGGERS})",
            f"goal first sight p50 <= 1.5 x floor + 1 frame ({frame_ms:.0f} ms) = "
            f"{allowed:.0f} ms: "
            f"{'met' if api_met else 'missed'}",
        ),
        (
            "delivery latencyMs, trigger to OBS confirmed start",
            _p(api.latency_ms),
            f"deliveries: {shown}",
            "reported",
        ),
        (
            f"`streamfx fire flash` wall time, with the agent (median of {FIRES})",
            f"{median(fires['agent']):.0f} ms (p10 {percentile(fires['agent'], 10):.0f}, "
            f"p90 {percentile(fires['agent'], 90):.0f})",
            f"without an agent (draws itself) {median(fires['alone']):.0f} ms "
            f"(p10 {percentile(fires['alone'], 10):.0f}, p90 {percentile(fires['alone'], 90):.0f}); "
            f"`python -c pass` {median(fires['python']):.0f} ms",
            f"ratio {fire_ratio:.2f} (goal <= 0.5): {'met' if fire_ratio <= 0.5 else 'missed'}",
        ),
        (
            "`streamfx fire flash` CPU time (user + system), with the agent",
            f"{median(fires['agent_cpu']):.0f} ms",
            f"without an agent {median(fires['alone_cpu']):.0f} ms; "
            f"`python -c pass` {median(fires['python_cpu']):.0f} ms",
            f"ratio {median(fires['agent_cpu']) / median(fires['alone_cpu']):.2f}",
        ),
        (
            f"hotkey to pixel, `fire flash --source hotkey` with the agent ({HOTKEYS} runs; "
            f"missed {len(hotkeys['agent_missed'])}; a screenshot every "
            f"{hotkeys['period'][0]:.1f} ms)",
            f"{_p(hotkeys['agent'])}; the process exited at p50 "
            f"{median(hotkeys['agent_exit']):.0f} ms",
            f"without an agent {_p(hotkeys['alone'])}, exited at p50 "
            f"{median(hotkeys['alone_exit']):.0f} ms (missed {len(hotkeys['alone_missed'])})",
            "reported",
        ),
    ]
