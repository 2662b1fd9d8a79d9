"""The agent end to end: real `streamfx agent run` processes, the session's server and OBS.

Each test says what a streamer would see: an effect triggered from anywhere shows
in OBS and its delivery says so; hidden or failed ones say why; nothing is drawn
twice when an agent dies mid-burst; the sign-in ending stops the agent.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from streamfx_cli.obs import ObsConnection
from tests.agent.conftest import Agent, Creator
from tests.cli.test_obs import as_json, imported_modules
from tests.obs.test_bridge import layout
from tests.support.accounts import set_tier
from tests.support.obs_studio import (
    BACKDROP_RGB,
    BRB,
    GAMEPLAY,
    ObsStudio,
    center,
    encode_png,
    item_enabled,
    near,
    program_scene,
    take_screenshot,
)
from tests.support.waiting import wait_until

FLASH = "StreamFX Flash"
# A fresh `streamfx agent run` process: Python, imports, sign-in, the two links.
AGENT_START_S = 3.0


def colour_on_screen(conn: ObsConnection, rgb: tuple[int, int, int], within: float = 5) -> None:
    wait_until(lambda: near(center(take_screenshot(conn)), rgb, 4), within, f"{rgb} on screen")


def test_an_api_trigger_is_drawn_by_the_agent_and_recorded_shown(
    creator_with_agents: Creator, stage: ObsConnection
) -> None:
    creator = creator_with_agents
    agent = creator.start_agent()
    assert agent.status()["state"] == "drawing"
    holders = creator.holders()
    assert [h["agentId"] for h in holders] == [agent.status()["agentId"]]

    fired = creator.trigger("flash", params={"color": "#11EE44", "opacity": 1, "durationMs": 1500})
    assert fired["agent"]["agentId"] == holders[0]["agentId"]
    colour_on_screen(stage, (0x11, 0xEE, 0x44))
    done = creator.delivered(fired["id"])
    assert done["delivery"]["status"] == "shown"
    assert done["delivery"]["agentId"] == holders[0]["agentId"]
    assert 0 <= done["delivery"]["latencyMs"] < 1000
    wait_until(lambda: not item_enabled(stage, FLASH), 5, "the flash to end")
    colour_on_screen(stage, BACKDROP_RGB)


def test_hidden_when_streamfx_is_not_in_the_program_output(
    creator_with_agents: Creator, stage: ObsConnection
) -> None:
    creator = creator_with_agents
    creator.start_agent()
    stage.call("SetCurrentProgramScene", {"sceneName": BRB})
    stage.call("RemoveSceneItem", {"sceneName": BRB, "sceneItemId": _item(stage, BRB, "StreamFX")})
    try:
        fired = creator.trigger("flash")
        done = creator.delivered(fired["id"])
        assert done["delivery"]["status"] == "hidden"
        assert done["delivery"]["reason"] == "the program scene 'BRB' has no StreamFX"
    finally:
        from streamfx_cli.obs.setup import setup

        setup(stage)


def _item(conn: ObsConnection, scene: str, source: str) -> int:
    return int(
        conn.call("GetSceneItemId", {"sceneName": scene, "sourceName": source})["sceneItemId"]
    )


def test_fire_hands_off_to_the_agent_and_wait_exits_by_the_delivery(
    creator_with_agents: Creator, stage: ObsConnection
) -> None:
    creator = creator_with_agents
    agent = creator.start_agent()
    started = time.monotonic()
    result = agent.cli.run(
        "fire", "flash", "--wait", "--json", "-p", "color=#2244EE", "-p", "opacity=1"
    )
    assert result.returncode == 0, result.stderr
    answer = as_json(result)
    assert answer["delivery"]["status"] == "shown"
    assert answer["source"] == "cli"
    assert time.monotonic() - started < 10
    # Without --wait: trigger only, the agent draws it.
    quick = agent.cli.run("fire", "banner")
    assert quick.returncode == 0, quick.stderr
    assert "the agent draws it" in quick.stdout
    # The hand-off is the fast hotkey path: no HTTP client, keyring, OBS client or event
    # loop is even loaded (docs/AGENT.md, "The local socket").
    loaded = imported_modules(agent.cli, "fire", "banner")
    assert "streamfx_cli.agent.handoff" in loaded
    heavy = ("httpx", "keyring", "asyncio", "streamfx_cli.api", "streamfx_cli.obs", "dataclasses")
    assert not {m for m in loaded if m.startswith(heavy)}
    # The server's refusal, passed on by the agent, names the flag as typed.
    refused = agent.cli.run("fire", "banner", "-p", "txet=hi")
    assert refused.returncode == 5, refused.stderr
    assert refused.stderr.startswith(
        "error: Invalid --param txet: no such parameter; a text effect takes text,"
    )


def test_a_five_minute_brb_and_twenty_flashes_through_the_api(
    creator_with_agents: Creator, stage: ObsConnection
) -> None:
    creator = creator_with_agents
    agent = creator.start_agent()
    before = layout(stage)
    brb = creator.trigger("brb")
    assert creator.delivered(brb["id"])["delivery"]["status"] == "shown"
    assert program_scene(stage) == BRB
    latencies: list[int] = []
    for _ in range(20):
        fired = creator.trigger("flash")
        done = creator.delivered(fired["id"])
        assert done["delivery"]["status"] == "shown", done["delivery"]
        latencies.append(done["delivery"]["latencyMs"])
    assert max(latencies) < 1000, latencies
    assert program_scene(stage) == BRB, "the brb runs on"
    stopped = agent.cli.run("stop", "brb")
    assert stopped.returncode == 0, stopped.stderr
    assert "brb" in stopped.stdout
    assert program_scene(stage) == GAMEPLAY
    wait_until(lambda: layout(stage) == before, 5, "OBS as it was before")


def test_two_agents_kill_the_holder_mid_burst_nothing_drawn_twice(
    creator_with_agents: Creator, stage: ObsConnection
) -> None:
    creator = creator_with_agents
    first = creator.start_agent("one")
    second = creator.start_agent("two")
    ids = {first.status()["agentId"]: "one", second.status()["agentId"]: "two"}
    assert first.status()["state"] == "drawing" and second.status()["state"] == "standby"

    fired: list[dict[str, Any]] = []
    killed_at = 0.0
    for i in range(24):
        fired.append(creator.trigger("flash", params={"durationMs": 60}))
        if i == 10:
            os.kill(first.proc.pid, signal.SIGKILL)
            killed_at = time.monotonic()
        time.sleep(0.1)
    wait_until(lambda: second.status().get("state") == "drawing", 5, "the standby to take over")
    took_over = time.monotonic() - killed_at
    assert took_over < 4, took_over  # includes the status round trips on a busy machine

    outcomes = [creator.delivered(f["id"], within=20)["delivery"] for f in fired]
    for delivery in outcomes:
        # Each one is drawn once, by one agent, or given up on; never drawn twice.
        assert delivery["status"] in ("shown", "expired"), delivery
        if delivery["status"] == "shown":
            assert ids[delivery["agentId"]] in ("one", "two")
    drawn_by = [ids.get(d["agentId"] or "", "") for d in outcomes if d["status"] == "shown"]
    assert "one" in drawn_by and "two" in drawn_by
    # The order of drawers is one..one then two..two: no one-time overlap.
    assert drawn_by == sorted(drawn_by, key=lambda n: n == "two")
    assert [h["agentId"] for h in creator.holders()] == [second.status()["agentId"]]
    wait_until(lambda: not item_enabled(stage, FLASH), 5, "the last flash to end")


def test_obs_down_is_failed_and_the_agent_is_back_within_two_seconds(
    creator_with_agents: Creator, stage: ObsConnection, obs_studio: ObsStudio
) -> None:
    creator = creator_with_agents
    agent = creator.start_agent()
    obs_studio.stop()
    try:
        wait_until(lambda: agent.status().get("obs") == "unreachable", 10, "the agent to notice")
        fired = creator.trigger("flash")
        done = creator.delivered(fired["id"])
        assert done["delivery"]["status"] == "failed"
        assert "OBS is not reachable" in done["delivery"]["reason"]
    finally:
        obs_studio.restart()
    back = time.monotonic()
    wait_until(lambda: agent.status().get("obs") == "connected", 10, "the agent to reconnect")
    assert time.monotonic() - back < 3.0  # 2 s, plus the status round trip on a busy machine
    with obs_studio.connect() as conn:
        fired = creator.trigger(
            "flash", params={"color": "#EE2211", "opacity": 1, "durationMs": 1500}
        )
        assert creator.delivered(fired["id"])["delivery"]["status"] == "shown"
        colour_on_screen(conn, (0xEE, 0x22, 0x11))


def test_a_revoked_sign_in_stops_the_agent_and_releases_the_lease(
    creator_with_agents: Creator, stage: ObsConnection
) -> None:
    creator = creator_with_agents
    agent = creator.start_agent()
    assert creator.holders()
    assert agent.cli.run("logout").returncode == 0
    assert agent.proc.wait(20) == 3
    output = agent.output()
    assert "The agent stopped" in output and "streamfx login" in output
    assert "Traceback" not in output
    wait_until(lambda: creator.holders() == [], 5, "the lease to be released")


def test_killed_agent_the_restarted_one_puts_obs_back_within_two_seconds(
    creator_with_agents: Creator, stage: ObsConnection
) -> None:
    creator = creator_with_agents
    agent = creator.start_agent()
    before = layout(stage)
    brb = creator.trigger("brb", params={"durationMs": 3000})
    banner = creator.trigger("banner", params={"durationMs": 3000, "text": "kill -9"})
    for fired in (brb, banner):
        assert creator.delivered(fired["id"])["delivery"]["status"] == "shown"
    os.kill(agent.proc.pid, signal.SIGKILL)
    agent.proc.wait(10)
    time.sleep(4)  # past both ends: the agent kept the time, and it is gone
    assert program_scene(stage) == BRB and item_enabled(stage, "StreamFX Text")

    restarted_at = time.monotonic()
    again = Agent(agent.cli, agent.cli.popen("agent", "run"))
    creator.agents.append(again)
    wait_until(lambda: layout(stage) == before, 10, "OBS as it was before")
    assert time.monotonic() - restarted_at < 2.0 + AGENT_START_S


def test_an_effect_whose_file_cannot_be_fetched_is_failed_with_the_reason(
    creator_with_agents: Creator, stage: ObsConnection, server: Any, tmp_path: Path
) -> None:
    creator = creator_with_agents
    agent = creator.start_agent()
    set_tier(server, creator.email, "creator")
    image = tmp_path / "logo.png"
    image.write_bytes(encode_png(96, 64, (0x00, 0xCC, 0x44)))
    effect = as_json(agent.cli.upload_logo(image, "--json"))
    sha256 = effect["asset"]["sha256"] if effect.get("asset") else None
    fired = creator.trigger(effect["slug"])
    sha256 = sha256 or fired["render"]["asset"]["sha256"]
    # The first one is fetched and shown; then the server's copy is corrupted.
    assert creator.delivered(fired["id"])["delivery"]["status"] == "shown"
    wait_until(lambda: not item_enabled(stage, "StreamFX Image"), 10, "the image to end")
    (agent.cli.home / "cache" / "assets" / f"{sha256}.png").unlink()
    stored = server.data_dir / "assets" / f"{sha256}.png"
    original = stored.read_bytes()
    try:
        stored.write_bytes(encode_png(96, 64, (0xFF, 0x00, 0x00)))
        bad = creator.trigger(effect["slug"])
        delivery = creator.delivered(bad["id"])["delivery"]
    finally:
        stored.write_bytes(original)
    assert delivery["status"] == "failed"
    assert delivery["reason"].startswith("the file for 'Logo' could not be fetched: ")
    assert "checksum" in delivery["reason"]
    assert not item_enabled(stage, "StreamFX Image")


def test_a_restarted_agent_resumes_and_draws_what_came_while_it_was_away(
    creator_with_agents: Creator, stage: ObsConnection
) -> None:
    creator = creator_with_agents
    # An effect that may still be drawn 20 s after its trigger.
    created = creator.http.post(
        "/api/effects",
        json={
            "name": "Patient flash",
            "kind": "flash",
            "category": "alert",
            "durationMs": 300,
            "cooldownMs": 0,
            "params": {"color": "#FFFFFF", "opacity": 1},
            "maxDelayMs": 20_000,
        },
    )
    assert created.status_code == 201, created.text
    agent = creator.start_agent()
    seq_file = agent.cli.home / "data" / "agent-seq.json"
    wait_until(seq_file.exists, 10, "the agent to note where it is in the events")
    agent.proc.kill()
    agent.proc.wait(10)
    wait_until(lambda: creator.holders() == [], 5, "the lease to be released")

    fired = creator.trigger(created.json()["id"])
    assert fired["agent"] is None
    again = Agent(agent.cli, agent.cli.popen("agent", "run"))
    creator.agents.append(again)
    done = creator.delivered(fired["id"], within=20)
    assert done["delivery"]["status"] == "shown"
    assert done["delivery"]["agentId"] == again.status()["agentId"]
