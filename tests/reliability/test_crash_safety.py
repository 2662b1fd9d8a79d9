"""kill -9 under load: nothing acknowledged is lost, nothing is half-written.

A thread fires the built-in `flash` (no cooldown) back to back over HTTP while the
server is killed with SIGKILL at a random moment, then restarted on the same data.
After every restart:
- SQLite's `PRAGMA integrity_check` is ok;
- every activation that was answered 201 is in the database;
- the session's metrics (effectsTriggered, byEffect, byCategory), as the API reports
  them, agree with the activations recorded for it: the two are one transaction.
The same access token keeps working across restarts (the signing key is on disk).
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import LiveServer

from .helpers import bearer, own_server, sign_in


class Firing:
    """Fires `flash` back to back until stopped or the server goes away."""

    def __init__(self, server: LiveServer, token: str, session_id: str) -> None:
        self.server, self.token, self.session_id = server, token, session_id
        self.acknowledged: list[str] = []
        self.unexpected: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        body = {"effectId": "flash", "sessionId": self.session_id}
        with httpx.Client(base_url=self.server.url, headers=bearer(self.token), timeout=10) as c:
            while not self.stop.is_set():
                try:
                    response = c.post("/api/effects/trigger", json=body)
                except httpx.TransportError:
                    return  # killed: this request was never acknowledged
                if response.status_code == 201:
                    self.acknowledged.append(response.json()["id"])
                else:
                    self.unexpected.append(f"{response.status_code} {response.text}")

    def __enter__(self) -> Firing:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)


def _database_after_crash(db_path: Path, session_id: str) -> tuple[str, set[str], Counter]:
    with sqlite3.connect(db_path, timeout=10) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        ids = {row[0] for row in conn.execute("SELECT id FROM effect_activations")}
        by_effect = Counter(
            dict(
                conn.execute(
                    "SELECT e.slug, COUNT(*) FROM effect_activations a "
                    "JOIN effects e ON e.id = a.effect_id WHERE a.session_id = ? GROUP BY e.slug",
                    (session_id,),
                ).fetchall()
            )
        )
    conn.close()
    return integrity, ids, by_effect


@pytest.mark.parametrize(
    "rounds",
    [pytest.param(2, id="2-rounds"), pytest.param(10, id="10-rounds", marks=pytest.mark.slow)],
)
def test_kill_9_under_trigger_load_loses_nothing_acknowledged(tmp_path: Path, rounds: int):
    rng = random.Random()
    with own_server(tmp_path / "data") as server:
        token = sign_in(server, "owner@example.com")["accessToken"]
        start = httpx.post(
            f"{server.url}/api/sessions/start", json={"platform": "twitch"}, headers=bearer(token)
        )
        assert start.status_code == 201, start.text
        session_id = start.json()["id"]
        acknowledged: list[str] = []

        for round_no in range(rounds):
            with Firing(server, token, session_id) as firing:
                # Let the load get going, then kill at a random moment of it.
                deadline = time.monotonic() + 10
                while len(firing.acknowledged) < 5 and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(rng.uniform(0.05, 1.0))
                server.kill()
            assert firing.unexpected == [], firing.unexpected[:3]
            assert len(firing.acknowledged) >= 5, f"round {round_no}: the load never got going"
            acknowledged += firing.acknowledged

            server.start()
            integrity, stored, by_effect = _database_after_crash(
                server.data_dir / "streamfx.db", session_id
            )
            assert integrity == "ok", f"round {round_no}: {integrity}"
            lost = set(acknowledged) - stored
            assert not lost, f"round {round_no}: {len(lost)} acknowledged activations lost"

            status = httpx.get(
                f"{server.url}/api/sessions/{session_id}/status", headers=bearer(token)
            )
            assert status.status_code == 200, status.text
            metrics = status.json()["metrics"]
            recorded = sum(by_effect.values())
            assert metrics["effectsTriggered"] == recorded, f"round {round_no}"
            assert metrics["byEffect"] == dict(by_effect) == {"flash": recorded}
            assert metrics["byCategory"] == {"alert": recorded}
            assert status.json()["status"] == "active"
            # Only a request in flight at the kill may have been stored unacknowledged.
            assert recorded - len(acknowledged) <= round_no + 1

        # And after all that, the server still takes triggers and counts them.
        fired = httpx.post(
            f"{server.url}/api/effects/trigger",
            json={"effectId": "flash", "sessionId": session_id},
            headers=bearer(token),
        )
        assert fired.status_code == 201
