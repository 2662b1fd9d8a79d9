"""WebSocket fan-out: N overlay clients listening, triggers over HTTP, latency from each
trigger's response to its receipt on every client. Baseline: the same with one client."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
from websockets.asyncio.client import connect

from common import BenchServer, percentile, rss_mb

CLIENTS = 500
TRIGGERS = 200


async def _listen(url: str, key: str, arrivals: dict[str, list[float]], ready: asyncio.Event,
                  counter: list[int], total: int) -> None:
    async with connect(url, max_size=2**20, compression=None) as ws:
        await ws.send(json.dumps({"type": "auth", "token": key}))
        await ws.recv()
        counter[0] += 1
        if counter[0] == total:
            ready.set()
        async for raw in ws:
            now = time.perf_counter()
            message = json.loads(raw)
            if message.get("type") == "effect.triggered":
                arrivals.setdefault(message["activation"]["id"], []).append(now)


async def _measure(server: BenchServer, key: str, clients: int) -> dict[str, float]:
    arrivals: dict[str, list[float]] = {}
    ready = asyncio.Event()
    counter = [0]
    ws_url = server.url.replace("http", "ws") + "/api/ws"
    tasks = [asyncio.create_task(_listen(ws_url, key, arrivals, ready, counter, clients))
             for _ in range(clients)]
    await asyncio.wait_for(ready.wait(), 120)
    sent: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=server.url, headers=server.auth) as http:
        for _ in range(TRIGGERS):
            response = await http.post("/api/effects/trigger",
                                       json={"effectId": "flash", "sessionId": server.session_id})
            sent[response.json()["id"]] = time.perf_counter()
            await asyncio.sleep(0.02)
    await asyncio.sleep(1.0)
    rss = rss_mb(server.process.pid)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies = [max(0.0, t - sent[act]) * 1000 for act, times in arrivals.items() if act in sent
                 for t in times]
    delivered = len(latencies) / (len(sent) * clients)
    return {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
            "delivered": delivered, "rss": rss}


def run() -> list[tuple[str, str, str, str]]:
    server = BenchServer().start().sign_in()
    try:
        server.start_session()
        key = httpx.post(f"{server.url}/api/overlay/key", headers=server.auth).json()["key"]
        one = asyncio.run(_measure(server, key, 1))
        many = asyncio.run(_measure(server, key, CLIENTS))
    finally:
        server.stop()
    return [
        (f"ws fan-out latency ({CLIENTS} clients)", f"p50 {many['p50']:.1f} ms, p99 {many['p99']:.1f} ms",
         f"1 client p50 {one['p50']:.1f} ms, p99 {one['p99']:.1f} ms", "p99 target <= 50 ms"),
        ("ws fan-out delivered", f"{many['delivered']:.1%}", f"{one['delivered']:.1%}", "target 100%"),
        ("server RSS with clients", f"{many['rss']:.0f} MB", f"{one['rss']:.0f} MB", "target <= 200 MB"),
    ]
