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

import resource
import subprocess
import sys
import time

from common import median, percentile
from live import start_live, streamfx_command

RUNS = 25
WARMUP = 3
BANNER_S = 4.0  # the built-in banner's durationMs
BASELINE = "import httpx, obsws_python"


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(
    command: list[str], env: dict[str, str]
) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall time and CPU time (user + system) of one run, in ms."""
    cpu = _cpu_children()
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    return (time.perf_counter() - started) * 1000, (_cpu_children() - cpu) * 1000, done


def measure(env: dict[str, str], runs: int = RUNS) -> dict[str, list[float]]:
    fire = [*streamfx_command(), "fire", "banner"]
    baseline = [sys.executable, "-c", BASELINE]
    times: dict[str, list[float]] = {"fire": [], "baseline": [], "fire_cpu": [], "baseline_cpu": []}
    time.sleep(BANNER_S + 0.3)  # banners fired before this run have ended
    for i in range(WARMUP + runs):
        ms, cpu, done = _timed(fire, env)
        fired_at = time.monotonic()
        if done.returncode != 0 or "shown in OBS" not in done.stdout:
            raise RuntimeError(f"fire banner exited {done.returncode}: {done.stdout}{done.stderr}")
        base_ms, base_cpu, _ = _timed(baseline, env)
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
