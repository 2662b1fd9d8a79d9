"""OBS rules end to end (docs/AGENT.md "OBS events", docs/RULES.md "OBS rules"): a real
`streamfx agent run` watches the real OBS for what its creator's rules wait for, and
the server fires them: a scene switch, a recording, a clip that ends. With no obs rules
it watches nothing; a rule added while it runs is watched at once; StreamFX's own scene
switches never fire a rule again and again."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from streamfx_cli.agent.obs_events import SCENES
from streamfx_cli.obs import ObsConnection
from tests.agent.conftest import Agent, Creator
from tests.support.obs_studio import BRB, GAMEPLAY, program_scene
from tests.support.waiting import wait_until

STARTING = "Starting"


@pytest.fixture
def starting_scene(stage: ObsConnection) -> Iterator[str]:
    """A "Starting" scene besides the stage's; the program is Gameplay again after."""
    scenes = {s["sceneName"] for s in stage.call("GetSceneList")["scenes"]}
    if STARTING not in scenes:
        stage.call("CreateScene", {"sceneName": STARTING})
    yield STARTING
    stage.call("SetCurrentProgramScene", {"sceneName": GAMEPLAY})


def add_rule(creator: Creator, trigger: dict[str, Any], effect: str = "flash", **extra: Any) -> str:
    body = {"name": "OBS rule", "trigger": {"type": "obs", **trigger}, "effectId": effect, **extra}
    response = creator.http.post("/api/rules", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def watching(agent: Agent, events: list[str]) -> None:
    wait_until(
        lambda: agent.status().get("obsEvents") == events, 10, f"the agent to watch {events}"
    )


def switch_seen(creator: Creator, stage: ObsConnection, scene: str) -> None:
    """Switch the program scene and return once OBS has told its event (to a listener of
    the test's own): a transition's event may come a moment after the switch."""
    with creator.obs_studio.connect() as listener:
        listener.subscribe(SCENES)
        stage.call("SetCurrentProgramScene", {"sceneName": scene})

        def seen() -> bool:
            event = listener.next_event(0.5) or {}
            return (event.get("eventData") or {}).get("sceneName") == scene

        wait_until(seen, 10, f"OBS to tell the switch to {scene}")


def fired(creator: Creator, rule_id: str, within: float = 15) -> dict[str, Any]:
    """The rule's last firing's activation, once it fired and the agent drew it."""

    def last() -> str | None:
        rule = creator.http.get(f"/api/rules/{rule_id}").json()
        return (rule["lastFired"] or {}).get("activationId")

    activation = creator.delivered(wait_until(last, within, f"rule {rule_id} to fire"))
    assert (activation["source"], activation["ruleId"]) == ("rule", rule_id)
    return activation


def rule_activations(creator: Creator, rule_id: str) -> list[dict[str, Any]]:
    page = creator.http.get("/api/activations", params={"limit": 200}).json()
    return [a for a in page["activations"] if a.get("ruleId") == rule_id]


def test_switching_to_a_scene_fires_its_rule_watched_from_the_moment_it_is_added(
    creator_with_agents: Creator, stage: ObsConnection, starting_scene: str
) -> None:
    creator = creator_with_agents
    agent = creator.start_agent()
    standby = creator.start_agent("standby")
    assert standby.status()["state"] == "standby"
    # No obs rules: the agent subscribes to nothing, so switches are not even seen.
    watching(agent, [])
    for scene in (starting_scene, GAMEPLAY):
        switch_seen(creator, stage, scene)

    rule = add_rule(
        creator,
        {"event": "sceneChanged", "scene": starting_scene},
        params={"color": "#22CC88", "durationMs": 400},
    )
    watching(agent, ["sceneChanged"])  # no restart
    stage.call("SetCurrentProgramScene", {"sceneName": starting_scene})
    activation = fired(creator, rule)
    assert activation["delivery"]["agentId"] == agent.status()["agentId"]
    assert activation["render"]["kind"] == "flash"
    # Exactly the one switch made while watching was reported, by the holder alone.
    assert agent.status()["obsEventsReported"] == 1
    assert (standby.status()["obsEvents"], standby.status()["obsEventsReported"]) == ([], 0)
    assert len(rule_activations(creator, rule)) == 1

    # Switched off, the rule is not watched any more.
    assert creator.http.put(f"/api/rules/{rule}", json={"enabled": False}).status_code == 200
    watching(agent, [])


def test_a_scene_rule_firing_a_scene_effect_does_not_fire_itself_again(
    creator_with_agents: Creator, stage: ObsConnection, starting_scene: str
) -> None:
    creator = creator_with_agents
    made = creator.http.post(
        "/api/effects",
        json={
            "name": "Peek at BRB",
            "kind": "scene",
            "category": "transition",
            "params": {"scene": BRB, "returnAfterMs": 600},
        },
    )
    assert made.status_code == 201, made.text
    # Any scene change: the effect's own switch to BRB and back would match it too.
    rule = add_rule(creator, {"event": "sceneChanged"}, effect=made.json()["id"])
    agent = creator.start_agent()
    watching(agent, ["sceneChanged"])

    stage.call("SetCurrentProgramScene", {"sceneName": starting_scene})
    first = fired(creator, rule)
    assert first["delivery"]["status"] == "shown"
    wait_until(lambda: program_scene(stage) == starting_scene, 10, "the switch back from BRB")
    # A switch of the streamer's after it: its firing comes after any the effect's own
    # switches could have caused, so the count then is the whole story.
    stage.call("SetCurrentProgramScene", {"sceneName": GAMEPLAY})
    wait_until(lambda: len(rule_activations(creator, rule)) >= 2, 15, "the second firing")
    wait_until(lambda: program_scene(stage) == GAMEPLAY, 10, "the second switch back")
    assert len(rule_activations(creator, rule)) == 2
    assert agent.status()["obsEventsReported"] == 2


def _record_folder_setting(conn: ObsConnection) -> tuple[str, str]:
    mode = conn.call(
        "GetProfileParameter", {"parameterCategory": "Output", "parameterName": "Mode"}
    )
    if mode.get("parameterValue") == "Advanced":
        return "AdvOut", "RecFilePath"
    return "SimpleOutput", "FilePath"


@pytest.fixture
def record_folder(stage: ObsConnection) -> Iterator[Path]:
    """OBS records into a temporary folder for the test; the setting is put back after."""
    category, name = _record_folder_setting(stage)
    where = {"parameterCategory": category, "parameterName": name}
    before = stage.call("GetProfileParameter", where).get("parameterValue")
    folder = Path(tempfile.mkdtemp(prefix="sfx-rec-"))
    stage.call("SetProfileParameter", {**where, "parameterValue": str(folder)})
    try:
        yield folder
    finally:
        if stage.call("GetRecordStatus")["outputActive"]:
            stage.call("StopRecord")
        stage.call("SetProfileParameter", {**where, "parameterValue": before or ""})
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()


def test_starting_and_stopping_a_recording_fires_their_rules(
    creator_with_agents: Creator, stage: ObsConnection, record_folder: Path
) -> None:
    creator = creator_with_agents
    started = add_rule(creator, {"event": "recordingStarted"}, params={"durationMs": 300})
    stopped = add_rule(
        creator,
        {"event": "recordingStopped"},
        effect="banner",
        params={"text": "Saved {path}", "durationMs": 500},
    )
    agent = creator.start_agent()
    watching(agent, ["recordingStarted", "recordingStopped"])

    stage.call("StartRecord")
    wait_until(lambda: stage.call("GetRecordStatus")["outputActive"], 10, "recording")
    assert fired(creator, started)["render"]["kind"] == "flash"
    stage.call("StopRecord")
    banner = fired(creator, stopped)
    (recorded,) = list(record_folder.iterdir())
    assert banner["render"]["text"] == f"Saved {recorded}"


def test_a_media_input_that_ends_fires_its_rule(
    creator_with_agents: Creator, stage: ObsConnection, wav_file: Callable[[float], Path]
) -> None:
    creator = creator_with_agents
    jingle = add_rule(creator, {"event": "mediaEnded", "input": "Jingle"})
    add_rule(creator, {"event": "mediaEnded", "input": "Some other clip"})
    agent = creator.start_agent()
    watching(agent, ["mediaEnded"])

    stage.call(
        "CreateInput",
        {
            "sceneName": GAMEPLAY,
            "inputName": "Jingle",
            "inputKind": "ffmpeg_source",
            "inputSettings": {"local_file": str(wav_file(0.5)), "looping": False},
        },
    )
    try:
        activation = fired(creator, jingle)
        assert activation["delivery"]["status"] in ("shown", "hidden")
        assert agent.status()["obsEventsReported"] == 1
    finally:
        stage.call("RemoveInput", {"inputName": "Jingle"})
