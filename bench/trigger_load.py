"""Trigger API under load: wrk with 64 connections against POST /api/effects/trigger and
against the bare endpoint in the same server, one uvicorn worker.

They alternate in short slices (bare, bare-async, trigger, trigger, bare-async, bare, ...)
so that all see the same machine load; each figure is the median over the slices.
`/bench/bare` is a `def` endpoint (a hop through the thread pool, like most of the app's
endpoints); `/bench/bare-async` a coroutine, like the trigger endpoint: the stricter floor. A second set of
runs paces the same 64 connections (each pauses 0-2 x PACE_MS at random between its
requests, a few hundred requests a second in all): the latency of a server that is busy
but not saturated.
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
PACE_MS = 150  # mean pause of each connection between its requests (uniform 0-300 ms)

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
    # A random pause (mean pace_ms) keeps the connections from falling into step.
    delay = f"delay = function() return math.random(0, {2 * pace_ms}) end" if pace_ms else ""
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
    names = ("bare", "bare-async", "trigger")
    urls = {
        "bare": f"{server.url}/bench/bare",
        "bare-async": f"{server.url}/bench/bare-async",
        "trigger": f"{server.url}/api/effects/trigger",
    }
    runs: dict[str, list] = {name: [] for name in names}
    for i in range(rounds):
        for name in names if i % 2 == 0 else names[::-1]:
            payload = body if name == "trigger" else {}
            runs[name].append(_wrk(urls[name], server.token, payload, pace_ms))
    return runs


def _med(runs: list[dict[str, float]], key: str) -> float:
    return median([r[key] for r in runs])


def _latency(runs: dict[str, list], name: str, with_rate: bool = False) -> str:
    rate = f" at {_med(runs[name], 'rps'):.0f} req/s" if with_rate else ""
    return f"p50 {_med(runs[name], 'p50_ms'):.1f} ms, p99 {_med(runs[name], 'p99_ms'):.1f} ms{rate}"


def _ratios(runs: dict[str, list], baseline: str) -> str:
    ratios = sorted(
        t["rps"] / b["rps"] for t, b in zip(runs["trigger"], runs[baseline], strict=True)
    )
    return f"ratio {median(ratios):.2f} (slices {ratios[0]:.2f}-{ratios[-1]:.2f})"


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
    trigger_rps = f"{_med(flat['trigger'], 'rps'):.0f} req/s"
    errors = {
        side: sum(r["errors"] for runs in (flat, paced) for name in names for r in runs[name])
        for side, names in (("trigger", ("trigger",)), ("bare", ("bare", "bare-async")))
    }
    return [
        (
            f"trigger throughput, 64 connections flat out (median of {ROUNDS} x {SLICE})",
            trigger_rps,
            f"bare {_med(flat['bare'], 'rps'):.0f} req/s",
            f"{_ratios(flat, 'bare')}; target >= 0.5",
        ),
        (
            "trigger throughput vs the coroutine bare endpoint",
            trigger_rps,
            f"bare-async {_med(flat['bare-async'], 'rps'):.0f} req/s",
            _ratios(flat, "bare-async"),
        ),
        (
            "trigger latency, flat out",
            _latency(flat, "trigger"),
            f"bare {_latency(flat, 'bare')}; bare-async {_latency(flat, 'bare-async')}",
            "p99 target <= 25 ms",
        ),
        (
            f"trigger latency, 64 connections paced (random pauses, mean {PACE_MS} ms)",
            _latency(paced, "trigger", with_rate=True),
            f"bare {_latency(paced, 'bare', with_rate=True)}; "
            f"bare-async {_latency(paced, 'bare-async', with_rate=True)}",
            "p99 target <= 25 ms",
        ),
        ("trigger errors (all runs)", str(errors["trigger"]), str(errors["bare"]), "target 0"),
    ]
