"""The panel beside the OBS agent (docs/AGENT.md "Lease", docs/PANEL.md), against the real
server and the real OBS Studio.

The agent is played by a real WebSocket client that says `agent.hello` and then claims
and reports what the test tells it to: the server cannot tell it from `streamfx agent
run`, and the test decides what it "saw". While it holds the lease, a panel fire must not
touch OBS; once it is gone, the panel draws again and records what viewers saw.
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import pytest

from streamfx_cli.errors import APIError
from streamfx_cli.obs import ObsConnection
from streamfx_cli.obs.setup import SCENE, TEXT
from streamfx_cli.tui.app import StreamFXApp
from streamfx_cli.tui.messages import DeliveryNotRecorded
from tests.support.obs_studio import GAMEPLAY, effects_idle, item_enabled
from tests.support.waiting import wait_until
from tests.support.ws import live, next_of, recv, send

from .conftest import (
    Account,
    CountingFactory,
    HungListener,
    make_app,
    run,
    running,
    save_artifact,
)

AGENT_ID = "ag_panel_test_agent"
HIDDEN_REASON = "StreamFX is below 'Webcam' in scene 'Gameplay'"


class FakeAgent:
    """A control connection that holds the drawing lease and reports what it is told to."""

    def __init__(self, account: Account, target: str) -> None:
        self.account = account
        self.target = target
        self._stack = ExitStack()
        self.ws: Any = None

    def start(self) -> dict[str, Any]:
        token = self.account.http.headers["Authorization"].split(" ", 1)[1]
        self.ws = self._stack.enter_context(live(self.account.server, token))
        send(self.ws, {"type": "agent.hello", "agentId": AGENT_ID, "target": self.target})
        return next_of(self.ws, "agent.lease")

    def next_activation(self) -> dict[str, Any]:
        return next_of(self.ws, "effect.triggered", timeout=10)["activation"]

    def deliver(self, activation_id: str, status: str, reason: str | None = None) -> dict:
        """Claim it and report it as drawn now (as `streamfx agent run` does after drawing)."""
        send(self.ws, {"type": "claim", "activationId": activation_id})
        claimed = next_of(self.ws, "claimed")
        assert claimed["ok"] is True, claimed
        report: dict[str, Any] = {
            "type": "delivery",
            "activationId": activation_id,
            "status": status,
        }
        if reason:
            report["reason"] = reason
        if status in ("shown", "hidden"):
            report["drawnAt"] = datetime.now(UTC).isoformat(timespec="milliseconds")
        send(self.ws, report)
        return recv_answer(self.ws)

    def stop(self) -> None:
        self._stack.close()


def recv_answer(ws: Any) -> dict[str, Any]:
    """The answer to a delivery report: `delivered`, or the error it got (a 409 if the
    panel had reported the same activation first)."""
    while True:
        message = recv(ws, 5)
        if message["type"] in ("delivered", "error"):
            return message


def header(panel: Any) -> str:
    return "\n".join(panel.text().splitlines()[:2])


def outcome(panel: Any, effect: str, source: str | None = None) -> str | None:
    row = panel.feed_row(effect, source)
    return row[3] if row else None


def number_key(panel: Any, effect_id: str) -> str:
    return str(panel.app.order.index(panel.app.effects[effect_id]) + 1)


async def fires_done(panel: Any) -> None:
    """Every fire worker has returned (it draws, or decides not to, before it returns)."""
    await panel.wait(
        lambda: all(w.is_finished for w in panel.app.workers if w.group == "fire"),
        10,
        "the fire workers to finish",
    )


def test_while_an_agent_draws_the_panel_leaves_obs_to_it(account: Account, obs_ready) -> None:
    account.start_session()
    factory = CountingFactory(obs_ready)
    target = f"127.0.0.1:{obs_ready.endpoint.port}"
    agent = FakeAgent(account, target)

    async def scenario() -> None:
        async with running(make_app(account, factory)) as panel:
            await panel.wait(lambda: panel.app.state.obs.connected, 10, "OBS to connect")
            await panel.wait(
                lambda: "Agent: down · this panel draws" in header(panel), 5, "no agent yet"
            )

            lease = await panel.blocking(agent.start)
            assert lease["holder"] is True, lease
            await panel.wait(
                lambda: f"Agent: drawing · {target}" in header(panel), 5, "the agent drawing"
            )
            assert await panel.notified("The OBS agent is drawing")

            # A fire from the panel: the server names the agent, and the panel leaves it be.
            await panel.press(number_key(panel, "fx_banner"))
            await panel.wait(
                lambda: outcome(panel, "Banner") == "the agent draws it…", 5, "left to the agent"
            )
            banner = await panel.blocking(agent.next_activation)
            assert (banner["effectId"], banner["source"]) == ("fx_banner", "tui")
            await fires_done(panel)
            answer = await panel.blocking(
                lambda: agent.deliver(banner["id"], "hidden", HIDDEN_REASON)
            )
            # Taken: the panel reported nothing of its own (a second report gets 409).
            assert answer["type"] == "delivered", answer
            await panel.wait(
                lambda: outcome(panel, "Banner") == f"hidden: {HIDDEN_REASON}",
                5,
                "the agent's delivery in the feed",
            )
            assert await panel.notified("The agent showed it, but viewers cannot see it")

            # Fired elsewhere (the API): in the feed at once, then its delivery.
            flash = await panel.blocking(lambda: account.fire("flash"))
            await panel.wait(lambda: outcome(panel, "Flash", "api") == "fired", 5, "the API fire")
            await panel.blocking(agent.next_activation)
            await panel.blocking(lambda: agent.deliver(flash["id"], "shown"))
            await panel.wait(
                lambda: (outcome(panel, "Flash", "api") or "").startswith("shown in OBS · "),
                5,
                "shown, with its latency",
            )
            assert outcome(panel, "Flash", "api").endswith(" ms")

            assert panel.app.obs.draws == 0, "the panel drew nothing while the agent held it"
            with obs_ready.connect() as conn:
                assert not item_enabled(conn, TEXT), "no banner in OBS: the agent drew it"
            recorded = await panel.blocking(lambda: account.get(f"/api/activations/{banner['id']}"))
            assert recorded["delivery"]["agentId"] == AGENT_ID
            assert recorded["delivery"]["status"] == "hidden"

            await panel.pause(0.1)
            shot = save_artifact(panel.app, "agent-drawing.svg")
            assert shot.exists()

            # The agent goes away: the panel says so, once, and draws again.
            await panel.blocking(agent.stop)
            await panel.wait(
                lambda: "Agent: down · this panel draws" in header(panel), 5, "the agent down"
            )
            assert await panel.notified("The OBS agent stopped: this panel draws again")
            await panel.pause(0.5)
            stopped = [n for n in panel.notes if "The OBS agent stopped" in n.message]
            assert len(stopped) == 1, "said once"

    try:
        run(scenario())
    finally:
        agent.stop()
    with obs_ready.connect() as conn:
        wait_until(lambda: effects_idle(conn), 10, "the effects to end in OBS")


def test_without_an_agent_the_panel_draws_and_records_what_viewers_saw(
    account: Account, obs_ready
) -> None:
    account.start_session()
    factory = CountingFactory(obs_ready)

    async def scenario() -> None:
        async with running(make_app(account, factory)) as panel:
            await panel.wait(lambda: panel.app.state.obs.connected, 10, "OBS to connect")
            assert "Agent: down · this panel draws" in header(panel)

            await panel.press(number_key(panel, "fx_banner"))
            await panel.wait(
                lambda: (outcome(panel, "Banner") or "").startswith("shown in OBS · "),
                10,
                "the recorded delivery in the feed",
            )
            with obs_ready.connect() as conn:
                assert item_enabled(conn, TEXT), "the banner is on screen in OBS"
            (row,) = [r for r in panel.feed() if r[1] == "Banner"]
            (activation_id,) = panel.app.state.mine
            recorded = await panel.blocking(
                lambda: account.get(f"/api/activations/{activation_id}")
            )
            delivery = recorded["delivery"]
            assert delivery["status"] == "shown" and delivery["agentId"] is None
            assert row[3] == f"shown in OBS · {delivery['latencyMs']} ms"
            assert panel.app.obs.draws == 1

            # StreamFX turned off in the live scene: drawn, but viewers cannot see it.
            with obs_ready.connect() as conn:
                set_streamfx_enabled(conn, False)
            try:
                await panel.press(number_key(panel, "fx_flash"))
                await panel.wait(
                    lambda: (
                        outcome(panel, "Flash")
                        == f"hidden: StreamFX is hidden in scene {GAMEPLAY!r}"
                    ),
                    10,
                    "hidden, with the reason",
                )
                assert await panel.notified("viewers cannot see it")
                assert await panel.notified("streamfx obs setup")
            finally:
                with obs_ready.connect() as conn:
                    set_streamfx_enabled(conn, True)
            await panel.pause(0.1)
            save_artifact(panel.app, "agent-down.svg")

    run(scenario())
    with obs_ready.connect() as conn:
        wait_until(lambda: effects_idle(conn), 10, "the effects to end in OBS")


def set_streamfx_enabled(conn: Any, enabled: bool) -> None:
    """Turn the StreamFX item of the live scene on or off (its eye icon in OBS)."""
    from tests.support.obs_studio import item_id

    conn.call(
        "SetSceneItemEnabled",
        {
            "sceneName": GAMEPLAY,
            "sceneItemId": item_id(conn, GAMEPLAY, SCENE),
            "sceneItemEnabled": enabled,
        },
    )


def test_a_delivery_the_server_refuses_is_only_logged(
    account: Account, hung_listener: HungListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OBS hangs longer than the effect may wait: the server expires it first, and the
    panel's late "failed" report is refused (409). The row keeps the recorded delivery,
    and the refusal is a log line, not a notification."""
    account.start_session()
    account.post(
        "/api/effects",
        json={"name": "Quick", "category": "text", "kind": "text", "maxDelayMs": 100},
    )
    refused: list[Exception] = []
    original = StreamFXApp.on_delivery_not_recorded

    def recording(self: StreamFXApp, message: DeliveryNotRecorded) -> None:
        refused.append(message.error)
        original(self, message)

    monkeypatch.setattr(StreamFXApp, "on_delivery_not_recorded", recording)
    frozen = lambda: ObsConnection("127.0.0.1", hung_listener.port, "", timeout=4)  # noqa: E731

    async def scenario() -> None:
        async with running(make_app(account, frozen)) as panel:
            quick = next(e.id for e in panel.app.order if e.name == "Quick")
            await panel.press(number_key(panel, quick))
            await panel.wait(
                lambda: outcome(panel, "Quick") == "expired: no agent was running",
                10,
                "the server's expiry in the feed",
            )
            await panel.wait(lambda: refused, 20, "the panel's late report refused")
            assert isinstance(refused[0], APIError) and refused[0].status == 409
            assert outcome(panel, "Quick") == "expired: no agent was running"
            assert not any("deliver" in f"{n.title} {n.message}".lower() for n in panel.notes)

    run(scenario())
