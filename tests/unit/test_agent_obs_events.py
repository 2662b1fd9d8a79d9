"""The agent's OBS events in pieces (docs/AGENT.md "OBS events"): the subscription is
exactly what the rules need, raw obs-websocket events in the rules' words, and StreamFX's
own scene switches, replay saves and clips not reported."""

from __future__ import annotations

from typing import get_args

import pytest

from streamfx_cli.agent.obs_events import (
    MEDIA_INPUTS,
    OUTPUTS,
    SCENES,
    OwnActions,
    mask_for,
    rule_event,
)
from streamfx_server.rule_triggers import ObsEvent
from streamfx_wire import live as wire


def test_the_wire_names_the_rules_obs_events():
    assert get_args(ObsEvent) == wire.OBS_EVENTS


@pytest.mark.parametrize(
    ("events", "mask"),
    [
        ([], 0),
        (["sceneChanged"], SCENES),
        (["recordingStarted"], OUTPUTS),
        (["streamStarted", "streamStopped", "replaySaved", "recordingStopped"], OUTPUTS),
        (["mediaEnded"], MEDIA_INPUTS),
        (["sceneChanged", "mediaEnded"], SCENES | MEDIA_INPUTS),
        (list(wire.OBS_EVENTS), SCENES | OUTPUTS | MEDIA_INPUTS),
        (["somethingElse"], 0),
    ],
)
def test_the_subscription_is_what_the_rules_need_and_no_more(events, mask):
    assert mask_for(events) == mask
    # obs-websocket 5's EventSubscription values.
    assert (SCENES, OUTPUTS, MEDIA_INPUTS) == (4, 64, 256)


def _raw(kind: str, **data: object) -> dict[str, object]:
    return {"eventType": kind, "eventIntent": 4, "eventData": data}


STARTED, STARTING = "OBS_WEBSOCKET_OUTPUT_STARTED", "OBS_WEBSOCKET_OUTPUT_STARTING"
STOPPED, STOPPING = "OBS_WEBSOCKET_OUTPUT_STOPPED", "OBS_WEBSOCKET_OUTPUT_STOPPING"


@pytest.mark.parametrize(
    ("raw", "event"),
    [
        (
            _raw("CurrentProgramSceneChanged", sceneName="Starting"),
            {"event": "sceneChanged", "scene": "Starting"},
        ),
        (
            _raw("StreamStateChanged", outputActive=True, outputState=STARTED),
            {"event": "streamStarted"},
        ),
        (_raw("StreamStateChanged", outputActive=False, outputState=STARTING), None),
        (
            _raw("StreamStateChanged", outputActive=False, outputState=STOPPED),
            {"event": "streamStopped"},
        ),
        (_raw("StreamStateChanged", outputActive=True, outputState=STOPPING), None),
        (
            _raw("RecordStateChanged", outputActive=True, outputState=STARTED, outputPath=None),
            {"event": "recordingStarted"},
        ),
        (
            _raw(
                "RecordStateChanged", outputActive=False, outputState=STOPPED, outputPath="/v/a.mkv"
            ),
            {"event": "recordingStopped", "path": "/v/a.mkv"},
        ),
        (
            _raw("ReplayBufferSaved", savedReplayPath="/v/r.mkv"),
            {"event": "replaySaved", "path": "/v/r.mkv"},
        ),
        (
            _raw("MediaInputPlaybackEnded", inputName="Jingle"),
            {"event": "mediaEnded", "input": "Jingle"},
        ),
        (_raw("MediaInputPlaybackStarted", inputName="Jingle"), None),
        (_raw("SceneCreated", sceneName="X"), None),
        ({"eventType": "CurrentProgramSceneChanged", "eventData": "nonsense"}, None),
    ],
)
def test_raw_events_in_the_rules_words(raw, event):
    assert rule_event(raw) == event


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_streamfx_own_switches_are_taken_back_once_and_only_for_a_while():
    clock = Clock()
    own = OwnActions(clock)
    own.note(
        [
            {"requestType": "SetPersistentData", "requestData": {"slotName": "x"}},
            {
                "requestType": "SetCurrentProgramScene",
                "requestData": {"sceneName": "Be right back"},
            },
        ]
    )
    to_brb = {"event": "sceneChanged", "scene": "Be right back"}
    assert own.caused({"event": "sceneChanged", "scene": "Game"}) is False  # the streamer's
    assert own.caused(to_brb) is True
    assert own.caused(to_brb) is False  # once: the streamer's next switch there counts
    own.note([{"requestType": "SetCurrentProgramScene", "requestData": {"sceneName": "Game"}}])
    clock.now += 6  # a switch that never showed (it was the scene already) is forgotten
    assert own.caused({"event": "sceneChanged", "scene": "Game"}) is False
    own.note([{"requestType": "SaveReplayBuffer"}])
    assert own.caused({"event": "replaySaved", "path": "/v/r.mkv"}) is True
    own.note(
        [
            {
                "requestType": "TriggerMediaInputAction",
                "requestData": {"inputName": "StreamFX Media", "mediaAction": "restart"},
            }
        ]
    )
    assert own.caused({"event": "mediaEnded", "input": "Jingle"}) is False
    assert own.caused({"event": "mediaEnded", "input": "StreamFX Media"}) is True
