"""The whole agent: a real `streamfx agent run` process, the session's server and OBS."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from streamfx_cli.obs import ObsConnection
from streamfx_cli.obs.setup import setup
from tests.cli.test_obs import configure_obs
from tests.support.accounts import PASSWORD, login, register
from tests.support.cli import Cli
from tests.support.live_server import LiveServer
from tests.support.obs_studio import ObsStudio, build_stage, effects_idle
from tests.support.waiting import wait_until


@dataclass
class Agent:
    """One `streamfx agent run` process and the CLI home it runs in."""

    cli: Cli
    proc: subprocess.Popen

    def status(self) -> dict[str, Any]:
        result = self.cli.run("agent", "status", "--json", timeout=10)
        return json.loads(result.stdout) if result.stdout.strip() else {}

    def output(self) -> str:
        self.proc.wait(10)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        return self.proc.stdout.read() + self.proc.stderr.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Creator:
    """A creator with a live session, their API client, and the agents they run."""

    server: LiveServer
    email: str
    http: httpx.Client
    homes: Path
    obs_studio: ObsStudio
    agents: list[Agent] = field(default_factory=list)

    def cli(self, name: str) -> Cli:
        cli = Cli.without_keyring(self.homes / name)
        done = cli.login(self.server.url, self.email)
        assert done.returncode == 0, done.stderr
        assert configure_obs(cli, self.obs_studio).returncode == 0
        return cli

    def start_agent(self, name: str = "agent") -> Agent:
        cli = self.cli(name)
        agent = Agent(cli, cli.popen("agent", "run"))
        self.agents.append(agent)
        wait_until(lambda: agent.status().get("state") in ("drawing", "standby"), 20, "the agent")
        return agent

    def trigger(self, effect: str, **body: Any) -> dict[str, Any]:
        response = self.http.post("/api/effects/trigger", json={"effectId": effect, **body})
        assert response.status_code == 201, response.text
        return response.json()

    def activation(self, activation_id: str) -> dict[str, Any]:
        response = self.http.get(f"/api/activations/{activation_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def delivered(self, activation_id: str, within: float = 10) -> dict[str, Any]:
        """The activation once its delivery is no longer pending."""

        def done() -> dict[str, Any] | None:
            found = self.activation(activation_id)
            return found if found["delivery"]["status"] != "pending" else None

        return wait_until(done, within, f"the delivery of {activation_id}")

    def holders(self) -> list[dict[str, Any]]:
        return self.http.get("/api/agents").json()


@pytest.fixture
def stage(obs_studio: ObsStudio) -> Iterator[ObsConnection]:
    conn = obs_studio.connect()
    build_stage(conn)
    setup(conn)
    wait_until(lambda: effects_idle(conn), 10, "effects of earlier tests to end")
    yield conn
    conn.close()
    # A fresh connection: the test may have restarted OBS.
    with obs_studio.connect() as after:
        build_stage(after)


@pytest.fixture
def creator_with_agents(
    server: LiveServer, obs_studio: ObsStudio, stage: ObsConnection
) -> Iterator[Creator]:
    account = register(server)
    tokens = login(server, account["email"], PASSWORD)
    http = httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {tokens['accessToken']}"},
        timeout=10,
    )
    response = http.post("/api/sessions/start", json={"platform": "twitch"})
    assert response.status_code == 201, response.text
    # Short: the agent's socket path must stay under the system's 107 bytes.
    homes = Path(tempfile.mkdtemp(prefix="sfx-"))
    creator = Creator(server, account["email"], http, homes, obs_studio)
    try:
        yield creator
    finally:
        for agent in creator.agents:
            agent.stop()
        http.close()
        shutil.rmtree(homes, ignore_errors=True)


Fixture = Callable[..., Any]
