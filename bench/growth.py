"""Growth: the same requests with 1,000 and with 1,000,000 activations in the database.

Two servers run side by side, one per history size, and every round asks each in turn,
so both see the same machine load. The history includes the effect whose cooldown the
last request checks (a custom flash with a 1 ms cooldown), so that check runs over it.
"""

from __future__ import annotations

import json
import sqlite3
import time

import httpx
from common import BenchServer, median

ROUNDS = 300
SIZES = (1_000, 1_000_000)


def _fill(server: BenchServer, count: int, effects: tuple[str, ...]) -> None:
    """Bulk-insert past activations for this creator (an old, ended session holds them)."""
    db = sqlite3.connect(server.data_dir / "streamfx.db")
    creator = db.execute("SELECT id FROM creators LIMIT 1").fetchone()[0]
    db.execute(
        "INSERT INTO stream_sessions (id, creator_id, platform, status, start_time, end_time, metrics) "
        "VALUES ('ss_history', ?, 'twitch', 'ended', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '{}')",
        (creator,),
    )
    render = json.dumps({"kind": "flash"})
    batch = 50_000
    for start in range(0, count, batch):
        db.executemany(
            "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, triggered_at, "
            "triggered_ms, source, render) VALUES (?, ?, 'ss_history', ?, '2026-01-01T00:00:00Z', ?, 'api', ?)",
            (
                (f"act_h{i}", effects[i % len(effects)], creator, 1_767_225_600_000 + i, render)
                for i in range(start, min(count, start + batch))
            ),
        )
        db.commit()
    db.close()


def _server(count: int) -> tuple[BenchServer, str]:
    server = BenchServer().start().sign_in()
    pulse = httpx.post(
        f"{server.url}/api/effects",
        json={"name": "Pulse", "category": "alert", "kind": "flash", "cooldownMs": 1},
        headers=server.auth,
    ).json()["id"]
    server.stop()  # fill while the server is down, as a long history would be
    _fill(server, count, ("fx_flash", "fx_banner", "fx_confetti", pulse))
    server.start()
    server.start_session()
    return server, pulse


def _requests(server: BenchServer, pulse: str) -> dict:
    body = {"sessionId": server.session_id}
    return {
        "session status": ("GET", f"/api/sessions/{server.session_id}/status", None),
        "effects list": ("GET", "/api/effects", None),
        "trigger": ("POST", "/api/effects/trigger", {"effectId": "flash", **body}),
        "trigger with cooldown check": (
            "POST",
            "/api/effects/trigger",
            {"effectId": pulse, **body},
        ),
    }


def run() -> list[tuple[str, str, str, str]]:
    servers = []
    try:
        for count in SIZES:
            servers.append(_server(count))
        clients = [
            (httpx.Client(base_url=s.url, headers=s.auth), _requests(s, pulse))
            for s, pulse in servers
        ]
        times: list[dict[str, list[float]]] = [
            {name: [] for name in clients[0][1]} for _ in servers
        ]
        for _ in range(ROUNDS):
            for name in clients[0][1]:
                for index, (http, requests) in enumerate(clients):
                    method, path, body = requests[name]
                    time.sleep(0.002)  # past the custom effect's 1 ms cooldown
                    started = time.perf_counter()
                    response = http.request(method, path, json=body)
                    times[index][name].append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
        for http, _ in clients:
            http.close()
    finally:
        for server, _ in servers:
            server.stop()
    small, large = ({name: median(v) for name, v in t.items()} for t in times)
    return [
        (
            f"{name}, median of {ROUNDS} (1M activations)",
            f"{large[name]:.2f} ms",
            f"1k activations: {small[name]:.2f} ms",
            f"ratio {large[name] / small[name]:.2f} (target <= 1.2)",
        )
        for name in small
    ]
