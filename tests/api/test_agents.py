"""The drawing lease against the real server: when the holder's connection dies (a reset
socket, a killed process), the standby takes over within 2 s (docs/AGENT.md "Lease").
The protocol's details are tested in-process (tests/inprocess/test_agent_lease.py)."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest
from websockets.sync.client import ClientConnection

from tests.support.accounts import TestCreator
from tests.support.live_server import LiveServer
from tests.support.ws import live, next_of, send, ws_url

OBS = "127.0.0.1:4455"
TAKEOVER_LIMIT_S = 2.0


@pytest.fixture
def streaming(creator: TestCreator) -> TestCreator:
    assert creator.client.post("/api/sessions/start", json={"platform": "twitch"}).is_success
    return creator


def hello(ws: ClientConnection, agent_id: str) -> dict:
    send(ws, {"type": "agent.hello", "agentId": agent_id, "target": OBS})
    return next_of(ws, "agent.lease")


def reset(ws: ClientConnection) -> None:
    """Abort the TCP connection (RST, no close frame), as a crashed client's would end."""
    ws.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    ws.socket.close()


def takeover(standby: ClientConnection, since: float) -> float:
    promoted = next_of(standby, "agent.lease", timeout=10)
    took = time.monotonic() - since
    assert promoted == {"type": "agent.lease", "holder": True, "target": OBS}
    return took


def test_a_reset_holder_hands_over_within_two_seconds(server: LiveServer, streaming: TestCreator):
    with (
        live(server, streaming.access_token) as panel,
        live(server, streaming.access_token) as standby,
        live(server, streaming.access_token) as holder,
    ):
        assert hello(holder, "ag_holder_reset")["holder"] is True
        assert hello(standby, "ag_standby_reset")["holder"] is False
        assert next_of(panel, "agent.status")["agentId"] == "ag_holder_reset"
        gone = time.monotonic()
        reset(holder)
        assert takeover(standby, gone) < TAKEOVER_LIMIT_S
        status = next_of(panel, "agent.status")
        assert isinstance(status.pop("seq"), int)
        assert status == {
            "type": "agent.status",
            "state": "drawing",
            "agentId": "ag_standby_reset",
            "target": OBS,
        }
        (listed,) = streaming.client.get("/api/agents").json()
        assert listed["agentId"] == "ag_standby_reset"
        # The new holder draws: its claims are taken.
        fired = streaming.client.post("/api/effects/trigger", json={"effectId": "flash"}).json()
        assert fired["agent"] == {"agentId": "ag_standby_reset", "target": OBS}
        send(standby, {"type": "claim", "activationId": fired["id"], "id": 1})
        assert next_of(standby, "claimed") == {
            "type": "claimed",
            "activationId": fired["id"],
            "ok": True,
            "id": 1,
        }


AGENT_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from websockets.sync.client import connect

    ws = connect(sys.argv[1])
    ws.send(json.dumps({"type": "auth", "token": sys.argv[2]}))
    ws.recv()
    ws.send(json.dumps({"type": "agent.hello", "agentId": sys.argv[3], "target": sys.argv[4]}))
    while json.loads(answer := ws.recv())["type"] != "agent.lease":
        pass
    print(answer, flush=True)
    time.sleep(600)
    """
)


@pytest.fixture
def agent_process(server: LiveServer, streaming: TestCreator) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            AGENT_SCRIPT,
            ws_url(server),
            streaming.access_token,
            "ag_killed_agent",
            OBS,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        assert process.stdout is not None
        process.stdout.close()


def test_a_killed_holder_hands_over_within_two_seconds(
    server: LiveServer, streaming: TestCreator, agent_process: subprocess.Popen
):
    assert agent_process.stdout is not None
    lease = agent_process.stdout.readline()
    assert '"holder": true' in lease.replace('":true', '": true'), lease
    with live(server, streaming.access_token) as standby:
        assert hello(standby, "ag_standby_kill")["holder"] is False
        gone = time.monotonic()
        agent_process.kill()  # SIGKILL: no close frame, the kernel ends the socket
        assert takeover(standby, gone) < TAKEOVER_LIMIT_S
    agents = streaming.client.get("/api/agents").json()
    # The standby's connection ended with the block: nobody draws now.
    assert agents == []


def test_with_no_agent_an_undrawn_activation_expires(server: LiveServer, streaming: TestCreator):
    made = streaming.client.post(
        "/api/effects",
        json={"name": "Quick", "kind": "flash", "category": "alert", "maxDelayMs": 200},
    )
    assert made.status_code == 201, made.text
    with live(server, streaming.access_token) as panel:
        fired = streaming.client.post(
            "/api/effects/trigger", json={"effectId": made.json()["id"]}
        ).json()
        assert fired["agent"] is None
        # The sweeper looks every second by default.
        pushed = next_of(panel, "activation.updated", timeout=10)
        assert pushed["activation"]["id"] == fired["id"]
        delivery = pushed["activation"]["delivery"]
        assert (delivery["status"], delivery["reason"]) == ("expired", "no agent was running")
