"""The server goes down mid-stream: the agent draws from its cache, journals, and replays once.

A server of the test's own (it is stopped and started again), the session's OBS, and
a real `streamfx agent run`; `streamfx fire` is what the streamer's hotkeys run.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from streamfx_cli.obs import ObsConnection
from tests.agent.conftest import Agent
from tests.cli.test_obs import configure_obs
from tests.support.accounts import PASSWORD, login, register
from tests.support.cli import Cli
from tests.support.live_server import LiveServer, start_server
from tests.support.obs_studio import ObsStudio, item_enabled
from tests.support.waiting import wait_until


@pytest.fixture
def own(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path / "data")
    try:
        yield server
    finally:
        server.stop()


def activations(server: LiveServer, session_id: str) -> list[tuple[str, str, str, str]]:
    """(id, delivery status, triggered at, source) of the session's activations, oldest first."""
    with sqlite3.connect(f"file:{server.data_dir / 'streamfx.db'}?mode=ro", uri=True) as db:
        return db.execute(
            "SELECT id, delivery_status, triggered_at, source FROM effect_activations "
            "WHERE session_id = ? ORDER BY triggered_ms",
            (session_id,),
        ).fetchall()


def test_five_fires_while_the_server_is_down_are_shown_then_recorded_once(
    own: LiveServer, obs_studio: ObsStudio, stage: ObsConnection
) -> None:
    account = register(own)
    tokens = login(own, account["email"], PASSWORD)
    http = httpx.Client(
        base_url=own.url, headers={"Authorization": f"Bearer {tokens['accessToken']}"}, timeout=10
    )
    session = http.post("/api/sessions/start", json={"platform": "twitch"}).json()
    homes = Path(tempfile.mkdtemp(prefix="sfx-"))
    cli = Cli.without_keyring(homes / "a")
    agent: Agent | None = None
    try:
        assert cli.login(own.url, account["email"]).returncode == 0
        assert configure_obs(cli, obs_studio).returncode == 0
        agent = Agent(cli, cli.popen("agent", "run"))
        cache = cli.home / "data" / "agent-cache.json"
        wait_until(lambda: cache.exists() and "flash" in cache.read_text(), 20, "the agent's cache")
        wait_until(lambda: agent.status().get("state") == "drawing", 20, "the lease")

        own.stop()
        wait_until(lambda: agent.status().get("server") == "unreachable", 10, "the agent to notice")
        drawn = []
        for _ in range(5):
            result = cli.run("fire", "flash", "--json")
            assert result.returncode == 0, result.stderr
            answer = json.loads(result.stdout)
            assert answer["delivery"]["status"] == "shown", answer
            drawn.append(answer)
            wait_until(lambda: item_enabled(stage, "StreamFX Flash"), 2, "the flash in OBS")
            wait_until(lambda: not item_enabled(stage, "StreamFX Flash"), 5, "the flash to end")
        plain = cli.run("fire", "flash")
        assert "while the server is unreachable" in plain.stdout
        assert activations(own, session["id"]) == []

        back_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        own.start()
        wait_until(lambda: len(activations(own, session["id"])) >= 6, 30, "the journal replayed")
        wait_until(
            lambda: not (cli.home / "data" / "agent-journal.jsonl").read_text().strip(),
            10,
            "the journal emptied",
        )
        rows = activations(own, session["id"])
        assert len(rows) == 6, rows  # exactly the six fires: none lost, none twice
        assert {r[1] for r in rows} == {"shown"} and {r[3] for r in rows} == {"cli"}
        # Recorded as they happened: in firing order, all before the server came back.
        assert [r[2] for r in rows] == sorted(r[2] for r in rows)
        assert max(r[2] for r in rows) < back_at
        for activation_id, *_ in rows:
            delivery = http.get(f"/api/activations/{activation_id}").json()["delivery"]
            assert delivery["status"] == "shown" and delivery["latencyMs"] is not None
        status = http.get(f"/api/sessions/{session['id']}/status")
        assert status.json()["metrics"]["effectsTriggered"] == 6
    finally:
        if agent is not None:
            agent.stop()
        http.close()
        shutil.rmtree(homes, ignore_errors=True)
