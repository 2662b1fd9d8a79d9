"""Growth: the same requests with 1,000 and with 1,000,000 activations in the database."""

from __future__ import annotations

import json
import sqlite3
import time

import httpx

from common import BenchServer, median

ROUNDS = 200


def _fill(server: BenchServer, count: int) -> None:
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
            ((f"act_h{i}", ("fx_flash", "fx_banner", "fx_confetti")[i % 3], creator, 1_767_225_600_000 + i, render)
             for i in range(start, min(count, start + batch))),
        )
        db.commit()
    db.close()


def _timings(server: BenchServer) -> dict[str, float]:
    results: dict[str, list[float]] = {"status": [], "effects": [], "trigger": []}
    with httpx.Client(base_url=server.url, headers=server.auth) as http:
        for _ in range(ROUNDS):
            for name, call in (
                ("status", lambda: http.get(f"/api/sessions/{server.session_id}/status")),
                ("effects", lambda: http.get("/api/effects")),
                ("trigger", lambda: http.post("/api/effects/trigger",
                                              json={"effectId": "flash", "sessionId": server.session_id})),
            ):
                started = time.perf_counter()
                response = call()
                results[name].append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
    return {name: median(values) for name, values in results.items()}


def _case(count: int) -> dict[str, float]:
    server = BenchServer().start().sign_in()
    try:
        server.stop()  # fill while the server is down, as a long history would be
        _fill(server, count)
        server.start()
        server.start_session()
        return _timings(server)
    finally:
        server.stop()


def run() -> list[tuple[str, str, str, str]]:
    small = _case(1_000)
    large = _case(1_000_000)
    return [
        (f"{name} median (1M activations)", f"{large[name]:.2f} ms", f"1k: {small[name]:.2f} ms",
         f"ratio {large[name] / small[name]:.2f} (target <= 1.2)")
        for name in ("status", "effects", "trigger")
    ]
