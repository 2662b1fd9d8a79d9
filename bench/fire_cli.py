"""Hotkey fire: wall time of `streamfx fire banner` from process start to exit, with the
server and a real OBS Studio (under Xvfb) running and the sign-in and the OBS password in
a real Secret Service keyring (bench/live.py). Baseline, timed in the same loop (one of
each, alternating, so both see the same machine load): `python -c "import httpx,
obsws_python"`. CPU time (user + system) is reported too: it hardly depends on the load.

Each banner holds one of OBS's obs-websocket worker threads for its 4 s (docs/CLI.md,
"How many effects OBS runs at once"), so runs are spaced until the previous banner ended;
the wait is not timed.
"""

from __future__ import annotations

import sys
import time

from common import median, percentile, run_timed
from live import start_live, streamfx_command

RUNS = 25
WARMUP = 3
BANNER_S = 4.0  # the built-in banner's durationMs
BASELINE = "import httpx, obsws_python"


def measure(env: dict[str, str], runs: int = RUNS) -> dict[str, list[float]]:
    fire = [*streamfx_command(), "fire", "banner"]
    baseline = [sys.executable, "-c", BASELINE]
    times: dict[str, list[float]] = {"fire": [], "baseline": [], "fire_cpu": [], "baseline_cpu": []}
    time.sleep(BANNER_S + 0.3)  # banners fired before this run have ended
    for i in range(WARMUP + runs):
        ms, cpu, done = run_timed(fire, env)
        fired_at = time.monotonic()
        if done.returncode != 0 or "shown in OBS" not in done.stdout:
            raise RuntimeError(f"fire banner exited {done.returncode}: {done.stdout}{done.stderr}")
        base_ms, base_cpu, _ = run_timed(baseline, env)
        if i >= WARMUP:
            times["fire"].append(ms)
            times["baseline"].append(base_ms)
            times["fire_cpu"].append(cpu)
            times["baseline_cpu"].append(base_cpu)
        time.sleep(max(0.0, fired_at + BANNER_S + 0.3 - time.monotonic()))
    return times


def _spread(values: list[float]) -> str:
    return f"{median(values):.0f} ms (p10 {percentile(values, 10):.0f}, p90 {percentile(values, 90):.0f})"


def run() -> list[tuple[str, str, str, str]]:
    live = start_live()
    try:
        times = measure(live.env)
    finally:
        live.close()
    ratio = median(times["fire"]) / median(times["baseline"])
    cpu_ratio = median(times["fire_cpu"]) / median(times["baseline_cpu"])
    return [
        (
            f"`streamfx fire banner` wall time (median of {len(times['fire'])})",
            _spread(times["fire"]),
            f'`python -c "{BASELINE}"` {_spread(times["baseline"])}',
            f"ratio {ratio:.2f} (target <= 1.5)",
        ),
        (
            "`streamfx fire banner` CPU time (user + system)",
            _spread(times["fire_cpu"]),
            f"baseline {_spread(times['baseline_cpu'])}",
            f"ratio {cpu_ratio:.2f}",
        ),
    ]
