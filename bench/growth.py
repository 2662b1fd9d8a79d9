"""Growth: the same requests with 1,000 and with 1,000,000 activations in the database.

Two servers run side by side, one per history size, and every round asks each in turn,
so both see the same machine load. The history includes the effect whose cooldown the
last request checks (a custom flash with a 1 ms cooldown), so that check runs over it.

The history is one ended 24-hour session, its activations spread evenly over it with
renders naming their effect and category, deliveries of every status and latencies, so
that its report (`GET /api/sessions/{id}/report`, docs/REPORTS.md) counts a million
activations into 144 buckets: that is the last case, timed over fewer rounds.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import time

import httpx
from common import BenchServer, median

ROUNDS = 300
REPORT_ROUNDS = 15
SIZES = (1_000, 1_000_000)
DAY_MS = 86_400_000
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z, the history session's start
_CATEGORY = {"fx_flash": "alert", "fx_banner": "text", "fx_confetti": "celebration"}
# Delivery statuses in a plausible mix, and a latency for those drawn.
_STATUSES = ("shown",) * 14 + ("overlay",) * 3 + ("hidden", "failed", "expired", "skipped")


def _render(effect_id: str) -> str:
    slug = effect_id.removeprefix("fx_") if effect_id in _CATEGORY else "pulse"
    category = _CATEGORY.get(effect_id, "alert")
    effect = {"id": effect_id, "slug": slug, "name": slug.title(), "category": category}
    return json.dumps({"kind": "flash", "effect": effect, "durationMs": 250})


def _row(
    i: int, count: int, effects: tuple[str, ...], renders: dict[str, str], creator: str
) -> tuple:
    effect = effects[i % len(effects)]
    status = _STATUSES[i % len(_STATUSES)]
    drawn = status in ("shown", "overlay", "hidden")
    at_ms = START_MS + i * DAY_MS // count
    return (
        f"act_h{i}",
        effect,
        creator,
        at_ms,
        renders[effect],
        status,
        (i * 37) % 500 + 20 if drawn else None,
    )


def _fill(server: BenchServer, count: int, effects: tuple[str, ...]) -> None:
    """Bulk-insert past activations for this creator (an old, ended session holds them)."""
    db = sqlite3.connect(server.data_dir / "streamfx.db")
    creator = db.execute("SELECT id FROM creators LIMIT 1").fetchone()[0]
    db.execute(
        "INSERT INTO stream_sessions (id, creator_id, platform, status, start_time, end_time, metrics) "
        "VALUES ('ss_history', ?, 'twitch', 'ended', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '{}')",
        (creator,),
    )
    renders = {effect: _render(effect) for effect in effects}
    batch = 50_000
    for start in range(0, count, batch):
        db.executemany(
            "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, triggered_at, "
            "triggered_ms, source, render, delivery_status, latency_ms, expires_ms) "
            "VALUES (?, ?, 'ss_history', ?, '2026-01-01T00:00:00Z', ?, 'api', ?, ?, ?, 0)",
            (
                _row(i, count, effects, renders, creator)
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


def _cursor(activation_id: str) -> str:
    """The history's `after` for a page after this activation (history.py: base64url)."""
    return base64.urlsafe_b64encode(activation_id.encode()).decode().rstrip("=")


def _requests(server: BenchServer, pulse: str, count: int) -> dict:
    body = {"sessionId": server.session_id}
    pages = "/api/sessions/ss_history/activations?limit=100"
    return {
        # A page of the session's history (docs/EFFECTS.md "History"): the first, one
        # from the middle by its cursor, and the newest; each a keyset seek.
        "history, first page of 100": ("GET", pages, None),
        "history, a page from the middle": (
            "GET",
            f"{pages}&after={_cursor(f'act_h{count // 2}')}",
            None,
        ),
        "history, newest page": ("GET", f"{pages}&order=newest", None),
        "session status": ("GET", f"/api/sessions/{server.session_id}/status", None),
        "effects list": ("GET", "/api/effects", None),
        "trigger": ("POST", "/api/effects/trigger", {"effectId": "flash", **body}),
        "trigger with cooldown check": (
            "POST",
            "/api/effects/trigger",
            {"effectId": pulse, **body},
        ),
    }


def _report_times(clients: list) -> list[list[float]]:
    """Milliseconds per report of the history session, each server in turn per round."""
    times: list[list[float]] = [[] for _ in clients]
    for _ in range(REPORT_ROUNDS):
        for index, (http, _) in enumerate(clients):
            started = time.perf_counter()
            response = http.get("/api/sessions/ss_history/report")
            times[index].append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            assert response.json()["total"] == SIZES[index]
    return times


def run() -> list[tuple[str, str, str, str]]:
    servers = []
    try:
        for count in SIZES:
            servers.append(_server(count))
        clients = [
            (httpx.Client(base_url=s.url, headers=s.auth), _requests(s, pulse, count))
            for (s, pulse), count in zip(servers, SIZES, strict=True)
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
        report_small, report_large = _report_times(clients)
        for http, _ in clients:
            http.close()
    finally:
        for server, _ in servers:
            server.stop()
    small, large = ({name: median(v) for name, v in t.items()} for t in times)
    return [
        *(
            (
                f"{name}, median of {ROUNDS} (1M activations)",
                f"{large[name]:.2f} ms",
                f"1k activations: {small[name]:.2f} ms",
                f"ratio {large[name] / small[name]:.2f} (target <= 1.2)",
            )
            for name in small
        ),
        (
            f"session report, 1M activations in the session, median of {REPORT_ROUNDS}",
            f"{median(report_large):.0f} ms (max {max(report_large):.0f} ms)",
            f"1k activations: {median(report_small):.1f} ms",
            f"max {'<=' if max(report_large) <= 2000 else '>'} 2 s (target <= 2 s)",
        ),
    ]
