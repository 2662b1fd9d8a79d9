"""WebSocket fan-out: N overlay clients listening, triggers over HTTP, latency from each
trigger's response to its receipt on every client. Baseline: the same with one client.

The server publishes right after the COMMIT, before it answers, so a client often has
the event before the trigger's response is read: counted as 0. The latency from the
trigger's request (the whole way: request, commit, fan-out) is reported too.

The listeners run in LISTENER_PROCESSES processes of their own (`python fanout.py
listen ...`), apart from the process that fires the triggers, so that one busy client
loop does not delay the timing of the triggers; they compare `time.perf_counter()`
(CLOCK_MONOTONIC, the same clock in every process on Linux).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import httpx
from common import BenchServer, cpu_seconds, median, percentile, rss_mb

CLIENTS = 500
TRIGGERS = 200
GAP_S = 0.02
LISTENER_PROCESSES = 2
_PREFIX = '{"type":"effect.triggered","activation":{"id":"'


async def _listen(url: str, key: str, arrivals: dict[str, list[float]], ready: list[int]) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, max_size=2**20, compression=None) as ws:
        await ws.send(json.dumps({"type": "auth", "token": key}))
        await ws.recv()
        ready[0] += 1
        async for raw in ws:
            now = time.perf_counter()
            # Only effect.triggered counts; the hub writes its JSON compactly, type first.
            if isinstance(raw, str) and raw.startswith(_PREFIX):
                act = raw[len(_PREFIX) : raw.index('"', len(_PREFIX))]
                arrivals.setdefault(act, []).append(now)


async def _listener(url: str, key: str, clients: int) -> None:
    """Connect `clients`, say "ready", record arrivals until stdin says "done", print them."""
    arrivals: dict[str, list[float]] = {}
    ready = [0]
    tasks = [asyncio.create_task(_listen(url, key, arrivals, ready)) for _ in range(clients)]
    while ready[0] < clients:
        if any(t.done() for t in tasks):
            raise SystemExit("a listener could not connect")
        await asyncio.sleep(0.05)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(arrivals), flush=True)


def _measure(server: BenchServer, key: str, clients: int) -> dict[str, float]:
    ws_url = server.url.replace("http", "ws") + "/api/ws"
    processes = min(LISTENER_PROCESSES, clients)
    listeners = [
        subprocess.Popen(
            [sys.executable, __file__, "listen", ws_url, key, str(share)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for share in (clients // processes + (i < clients % processes) for i in range(processes))
    ]
    try:
        for proc in listeners:
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("a listener process did not get ready")
        sent: dict[str, tuple[float, float]] = {}  # activation id: (request, response)
        cpu = cpu_seconds(server.process.pid)
        with httpx.Client(base_url=server.url, headers=server.auth) as http:
            for _ in range(TRIGGERS):
                start = time.perf_counter()
                response = http.post(
                    "/api/effects/trigger",
                    json={"effectId": "flash", "sessionId": server.session_id},
                )
                sent[response.json()["id"]] = (start, time.perf_counter())
                time.sleep(GAP_S)
        time.sleep(1.0)
        cpu = cpu_seconds(server.process.pid) - cpu
        rss = rss_mb(server.process.pid)
        arrivals: dict[str, list[float]] = {}
        for proc in listeners:
            proc.stdin.write("done\n")
            proc.stdin.flush()
        for proc in listeners:
            for act, times in json.loads(proc.stdout.readline()).items():
                arrivals.setdefault(act, []).extend(times)
    finally:
        for proc in listeners:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    received = [(sent[act], t) for act, times in arrivals.items() if act in sent for t in times]
    latencies = [max(0.0, t - answered) * 1000 for (_, answered), t in received]
    whole = [(t - asked) * 1000 for (asked, _), t in received]
    delivered = len(latencies) / (len(sent) * clients)
    return {
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "whole_p50": percentile(whole, 50),
        "whole_p99": percentile(whole, 99),
        "delivered": delivered,
        "rss": rss,
        "cpu_ms": cpu * 1000 / len(sent),
    }


def run(rounds: int = 3) -> list[tuple[str, str, str, str]]:
    server = BenchServer().start().sign_in()
    try:
        server.start_session()
        key = httpx.post(f"{server.url}/api/overlay/key", headers=server.auth).json()["key"]
        ones, manys = [], []
        for _ in range(rounds):
            ones.append(_measure(server, key, 1))
            manys.append(_measure(server, key, CLIENTS))
    finally:
        server.stop()

    def med(runs: list[dict[str, float]], key: str) -> float:
        return median([r[key] for r in runs])

    p99s = sorted(r["p99"] for r in manys)
    return [
        (
            f"ws fan-out latency ({CLIENTS} clients, {TRIGGERS} triggers; median of {rounds})",
            f"p50 {med(manys, 'p50'):.1f} ms, p99 {med(manys, 'p99'):.1f} ms "
            f"(p99 {p99s[0]:.0f}-{p99s[-1]:.0f})",
            f"1 client p50 {med(ones, 'p50'):.1f} ms, p99 {med(ones, 'p99'):.1f} ms",
            "p99 target <= 50 ms",
        ),
        (
            "ws latency from the trigger's request instead (request + commit + fan-out)",
            f"p50 {med(manys, 'whole_p50'):.1f} ms, p99 {med(manys, 'whole_p99'):.1f} ms",
            f"1 client p50 {med(ones, 'whole_p50'):.1f} ms, p99 {med(ones, 'whole_p99'):.1f} ms",
            "for reference",
        ),
        (
            "server CPU per trigger (request + fan-out)",
            f"{med(manys, 'cpu_ms'):.1f} ms",
            f"1 client {med(ones, 'cpu_ms'):.1f} ms",
            "for reference: hardly moves with the load",
        ),
        (
            "ws fan-out delivered",
            f"{min(r['delivered'] for r in manys):.1%}",
            f"{min(r['delivered'] for r in ones):.1%}",
            "target 100%",
        ),
        (
            "server RSS with clients",
            f"{max(r['rss'] for r in manys):.0f} MB",
            f"{max(r['rss'] for r in ones):.0f} MB",
            "target <= 200 MB",
        ),
    ]


if __name__ == "__main__" and sys.argv[1:2] == ["listen"]:
    asyncio.run(_listener(sys.argv[2], sys.argv[3], int(sys.argv[4])))
