"""Trigger API under load: wrk with 64 connections against POST /api/effects/trigger and
against the bare endpoint in the same server, one uvicorn worker."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from common import BenchServer

DURATION = "10s"
CONNECTIONS = 64

_LUA = """
wrk.method = "POST"
wrk.body = {body!r}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %f %f\\n", summary.requests, summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status,
    summary.duration, latency:percentile(50), latency:percentile(99)))
end
"""


def _wrk(url: str, token: str, body: dict) -> dict[str, float]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(_LUA.replace("{body!r}", json.dumps(json.dumps(body))).replace("{token}", token))
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout
    requests, socket_errors, status_errors, duration_us, p50, p99 = re.search(
        r"RESULT (\d+) (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)", out
    ).groups()
    return {
        "rps": int(requests) / (int(duration_us) / 1e6),
        "errors": int(socket_errors) + int(status_errors),
        "p50_ms": float(p50) / 1000,
        "p99_ms": float(p99) / 1000,
    }


def run() -> list[tuple[str, str, str, str]]:
    if shutil.which("wrk") is None:
        raise SystemExit("the trigger benchmark needs wrk (apt-get install wrk)")
    server = BenchServer().start().sign_in()
    try:
        session = server.start_session()
        bare = _wrk(f"{server.url}/bench/bare", server.token, {})
        trig = _wrk(f"{server.url}/api/effects/trigger", server.token,
                    {"effectId": "flash", "sessionId": session})
    finally:
        server.stop()
    ratio = trig["rps"] / bare["rps"]
    return [
        ("trigger throughput", f"{trig['rps']:.0f} req/s", f"bare {bare['rps']:.0f} req/s",
         f"ratio {ratio:.2f} (target >= 0.5)"),
        ("trigger latency", f"p50 {trig['p50_ms']:.1f} ms, p99 {trig['p99_ms']:.1f} ms",
         f"bare p50 {bare['p50_ms']:.1f} ms, p99 {bare['p99_ms']:.1f} ms", "p99 target <= 25 ms"),
        ("trigger errors", str(trig["errors"]), str(bare["errors"]), "target 0"),
    ]
