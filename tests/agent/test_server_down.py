"""The server goes down mid-stream: `streamfx fire` still shows the effect (the agent draws
it from its cache), and once the server is back the fire is in the history as it happened,
with what viewers saw, once (docs/AGENT.md "The local socket and server-down fires")."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from websockets.sync.client import connect

from streamfx_cli.obs import ObsConnection
from tests.agent.conftest import Creator
from tests.cli.test_obs import as_json
from tests.support.waiting import wait_until
from tests.support.ws import next_of, recv, send, ws_url


def test_a_fire_while_the_server_is_down_is_shown_then_recorded_once(
    creator_with_agents: Creator, stage: ObsConnection
) -> None:
    creator = creator_with_agents
    session = creator.http.get("/api/sessions?status=live").json()[0]
    agent = creator.start_agent()
    wait_until(
        lambda: next(agent.cli.home.rglob("agent-cache.json"), None) is not None,
        20,
        "the agent's cache of renders",
    )
    creator.server.stop()
    try:
        before = datetime.now(UTC)
        result = agent.cli.run("fire", "flash", "--json")
        after = datetime.now(UTC)
        assert result.returncode == 0, result.stderr
        assert as_json(result)["delivery"]["status"] == "shown"
    finally:
        creator.server.start()

    def counted() -> dict | None:
        status = creator.http.get(f"/api/sessions/{session['id']}/status").json()
        return status["metrics"] if status["metrics"]["effectsTriggered"] else None

    metrics = wait_until(counted, 30, "the agent to replay its journal")
    assert metrics["byEffect"] == {"flash": 1}
    # The fire is recorded at the moment it happened, with its delivery, and pushed once.
    token = creator.http.headers["Authorization"].removeprefix("Bearer ")
    with connect(ws_url(creator.server), open_timeout=10, close_timeout=2) as panel:
        send(panel, {"type": "auth", "token": token, "since": 0})
        ready = next_of(panel, "ready")
        logged = [recv(panel) for _ in range(ready["seq"])]
    triggered = [m["activation"] for m in logged if m["type"] == "effect.triggered"]
    assert len(triggered) == 1, json.dumps(logged)
    activation = triggered[0]
    happened = datetime.fromisoformat(activation["triggeredAt"].replace("Z", "+00:00"))
    assert before.replace(microsecond=0) <= happened <= after
    assert activation["delivery"]["status"] == "shown"
    assert activation["delivery"]["latencyMs"] is not None
    assert activation["source"] == "cli"
