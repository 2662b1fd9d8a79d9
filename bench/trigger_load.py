"""Trigger API under load: wrk with 64 connections against POST /api/effects/trigger and
against the bare endpoint in the same server, one uvicorn worker.

The two alternate in short slices (bare, trigger, trigger, bare, ...) so that both see
the same machine load; each figure is the median over the slices. A second pair of runs
paces the same 64 connections (each waits PACE_MS between its requests, a few hundred
requests a second in all): the latency of a server that is busy but not saturated.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from common import BenchServer, median

SLICE = "5s"
ROUNDS = 4  # slices of each endpoint, flat out
PACED_ROUNDS = 2
CONNECTIONS = 64
PACE_MS = 150

_LUA = """
wrk.method = "POST"
wrk.body = {body!r}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
{delay}
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %f %f\\n", summary.requests, summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status,
    summary.duration, latency:percentile(50), latency:percentile(99)))
end
"""


def _wrk(url: str, token: str, body: dict, pace_ms: int = 0) -> dict[str, float]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    delay = f"delay = function() return {pace_ms} end" if pace_ms else ""
    script.write_text(
        _LUA.replace("{body!r}", json.dumps(json.dumps(body)))
        .replace("{token}", token)
        .replace("{delay}", delay)
    )
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SLICE}", "-s", str(script), url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        script.unlink(missing_ok=True)
    requests, socket_errors, status_errors, duration_us, p50, p99 = re.search(
        r"RESULT (\d+) (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)", out
    ).groups()
    return {
        "rps": int(requests) / (int(duration_us) / 1e6),
        "errors": int(socket_errors) + int(status_errors),
        "p50_ms": float(p50) / 1000,
        "p99_ms": float(p99) / 1000,
    }


def _alternate(server: BenchServer, body: dict, rounds: int, pace_ms: int = 0) -> dict[str, list]:
    runs: dict[str, list] = {"bare": [], "trigger": []}
    urls = {"bare": f"{server.url}/bench/bare", "trigger": f"{server.url}/api/effects/trigger"}
    bodies = {"bare": {}, "trigger": body}
    for i in range(rounds):
        for name in ("bare", "trigger") if i % 2 == 0 else ("trigger", "bare"):
            runs[name].append(_wrk(urls[name], server.token, bodies[name], pace_ms))
    return runs


def _med(runs: list[dict[str, float]], key: str) -> float:
    return median([r[key] for r in runs])


def run() -> list[tuple[str, str, str, str]]:
    if shutil.which("wrk") is None:
        raise SystemExit("the trigger benchmark needs wrk (apt-get install wrk)")
    server = BenchServer().start().sign_in()
    try:
        body = {"effectId": "flash", "sessionId": server.start_session()}
        _wrk(f"{server.url}/api/effects/trigger", server.token, body)  # warm up
        flat = _alternate(server, body, ROUNDS)
        paced = _alternate(server, body, PACED_ROUNDS, PACE_MS)
    finally:
        server.stop()
    bare, trig = flat["bare"], flat["trigger"]
    ratios = sorted(t["rps"] / b["rps"] for t, b in zip(trig, bare, strict=True))
    errors = sum(r["errors"] for r in trig)
    return [
        (
            f"trigger throughput, 64 connections flat out (median of {ROUNDS} x {SLICE})",
            f"{_med(trig, 'rps'):.0f} req/s",
            f"bare {_med(bare, 'rps'):.0f} req/s",
            f"ratio {median(ratios):.2f} (slices {ratios[0]:.2f}-{ratios[-1]:.2f}; target >= 0.5)",
        ),
        (
            "trigger latency, flat out",
            f"p50 {_med(trig, 'p50_ms'):.1f} ms, p99 {_med(trig, 'p99_ms'):.1f} ms",
            f"bare p50 {_med(bare, 'p50_ms'):.1f} ms, p99 {_med(bare, 'p99_ms'):.1f} ms",
            "p99 target <= 25 ms",
        ),
        (
            f"trigger latency, 64 connections paced ({PACE_MS} ms between requests)",
            f"p50 {_med(paced['trigger'], 'p50_ms'):.1f} ms, p99 {_med(paced['trigger'], 'p99_ms'):.1f} ms"
            f" at {_med(paced['trigger'], 'rps'):.0f} req/s",
            f"bare p50 {_med(paced['bare'], 'p50_ms'):.1f} ms, p99 {_med(paced['bare'], 'p99_ms'):.1f} ms"
            f" at {_med(paced['bare'], 'rps'):.0f} req/s",
            "p99 target <= 25 ms",
        ),
        (
            "trigger errors (all runs)",
            str(errors + sum(r["errors"] for r in paced["trigger"])),
            str(sum(r["errors"] for r in bare + paced["bare"])),
            "target 0",
        ),
    ]
