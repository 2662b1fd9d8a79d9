"""The "shown" rule of docs/AGENT.md "Delivery record", on the items OBS lists.

The same rule runs against a real OBS in tests/cli/test_obs.py; here are its corners.
"""

from __future__ import annotations

from typing import Any

import pytest

from streamfx_cli.obs.connection import RequestResult
from streamfx_cli.obs.draw import DRAWERS
from streamfx_cli.obs.setup import SCENE
from streamfx_cli.obs.visibility import Visibility, check, delivery_for, evaluate, joined_reason
from streamfx_wire.kinds import KINDS


def item(name: str, index: int, enabled: bool = True) -> dict[str, Any]:
    """One entry of GetSceneItemList, as OBS sends it (bottom item has index 0)."""
    return {"sourceName": name, "sceneItemIndex": index, "sceneItemEnabled": enabled}


def test_streamfx_on_top_of_the_program_scene_is_visible() -> None:
    seen = evaluate("Scene", [item("Game", 0), item("Webcam", 1), item(SCENE, 2)])
    assert seen == Visibility(True) and seen.status == "shown"
    assert seen.reason is None and seen.hint is None


def test_the_program_scene_being_streamfx_itself_is_visible() -> None:
    assert evaluate(SCENE, [item("StreamFX Text", 0, enabled=False)]).visible


def test_an_item_above_streamfx_hides_it_and_is_named() -> None:
    seen = evaluate("Scene", [item(SCENE, 0), item("Game", 1)])
    assert seen.status == "hidden"
    assert seen.reason == "StreamFX is below 'Game' in scene 'Scene'"
    assert seen.hint == "Move StreamFX to the top of scene 'Scene', or run `streamfx obs setup`."


def test_the_nearest_enabled_item_above_is_the_one_named() -> None:
    items = [
        item("Backdrop", 0),
        item(SCENE, 1),
        item("Off camera", 2, enabled=False),
        item("Game", 3),
        item("Chat", 4),
    ]
    assert evaluate("Scene", items).reason == "StreamFX is below 'Game' in scene 'Scene'"


def test_disabled_items_above_streamfx_hide_nothing() -> None:
    items = [item("Game", 0), item(SCENE, 1), item("Webcam", 2, enabled=False)]
    assert evaluate("Scene", items).visible


def test_a_program_scene_without_streamfx() -> None:
    seen = evaluate("BRB", [item("Be right back", 0)])
    assert seen.reason == "the program scene 'BRB' has no StreamFX"
    assert seen.hint is not None and "streamfx obs setup" in seen.hint
    assert not evaluate("Empty", []).visible


def test_streamfx_turned_off_in_the_program_scene() -> None:
    seen = evaluate("Scene", [item("Game", 0), item(SCENE, 1, enabled=False)])
    assert seen.reason == "StreamFX is hidden in scene 'Scene'"
    assert seen.hint is not None and "eye icon" in seen.hint


def test_of_two_streamfx_items_the_highest_enabled_one_counts() -> None:
    items = [item(SCENE, 0), item("Game", 1), item(SCENE, 2), item(SCENE, 3, enabled=False)]
    assert evaluate("Scene", items).visible
    covered = [item(SCENE, 0), item("Game", 1), item(SCENE, 2, enabled=False)]
    assert evaluate("Scene", covered).reason == "StreamFX is below 'Game' in scene 'Scene'"


def test_names_with_quotes_stay_readable() -> None:
    seen = evaluate("Sam's scene", [item(SCENE, 0), item("Sam's cam", 1)])
    assert seen.reason == 'StreamFX is below "Sam\'s cam" in scene "Sam\'s scene"'


class FakeObs:
    """Answers `check`'s batch like obs-websocket does, with or without batch variables."""

    def __init__(self, program: str, items: list[dict[str, Any]], variables: bool = True):
        self.program, self.items, self.variables = program, items, variables
        self.round_trips = 0

    def batch(self, requests: list[dict[str, Any]], **_: Any) -> list[RequestResult]:
        self.round_trips += 1
        assert [r["requestType"] for r in requests] == [
            "GetCurrentProgramScene",
            "GetSceneItemList",
        ]
        scene = RequestResult(
            "GetCurrentProgramScene", True, 100, data={"currentProgramSceneName": self.program}
        )
        if not self.variables:
            return [scene, RequestResult("GetSceneItemList", False, 300, "missing sceneName")]
        return [
            scene,
            RequestResult("GetSceneItemList", True, 100, data={"sceneItems": self.items}),
        ]

    def call(self, request_type: str, data: dict[str, Any]) -> dict[str, Any]:
        self.round_trips += 1
        assert request_type == "GetSceneItemList" and data == {"sceneName": self.program}
        return {"sceneItems": self.items}


@pytest.mark.parametrize("variables", [True, False], ids=["one batch", "no batch variables"])
def test_check_asks_obs_and_applies_the_rule(variables: bool) -> None:
    obs = FakeObs("Scene", [item(SCENE, 0), item("Game", 1)], variables)
    seen = check(obs)  # type: ignore[arg-type]
    assert seen.reason == "StreamFX is below 'Game' in scene 'Scene'"
    assert obs.round_trips == (1 if variables else 2)


@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"overlay"}))
def test_only_kinds_drawn_by_the_streamfx_scene_ask_obs(kind: str) -> None:
    """The others act on the program output or the streamer's own sources: OBS
    starting them is what `shown` means for them."""
    obs = FakeObs("BRB", [])
    seen = delivery_for(kind, obs)  # type: ignore[arg-type]
    if kind in ("text", "flash", "image", "media"):
        assert seen.status == "hidden" and obs.round_trips == 1
    else:
        assert seen.status == "shown" and obs.round_trips == 0
    assert kind in DRAWERS


def test_a_note_is_a_shown_deliverys_reason_and_follows_a_hidden_ones_why() -> None:
    """One way for every note (a font fallback, a replay's file): docs/AGENT.md."""
    note = "font fallback: Inter is not installed, using DejaVu Sans"
    shown = delivery_for("text", FakeObs("Scene", [item("Game", 0), item(SCENE, 1)]), note)  # type: ignore[arg-type]
    assert (shown.status, shown.reason) == ("shown", note)
    hidden = delivery_for("text", FakeObs("BRB", []), note)  # type: ignore[arg-type]
    assert hidden.status == "hidden"
    assert hidden.reason == f"the program scene 'BRB' has no StreamFX; {note}"
    assert hidden.hint  # the fix is still said
    replay = delivery_for("replay", FakeObs("BRB", []), "saved to /v/Replay.mkv")  # type: ignore[arg-type]
    assert (replay.status, replay.reason) == ("shown", "saved to /v/Replay.mkv")
    assert delivery_for("flash", FakeObs("Scene", [item(SCENE, 0)])).reason is None  # type: ignore[arg-type]


def test_notes_join_with_a_semicolon_and_empty_ones_are_dropped() -> None:
    assert joined_reason(None, []) is None
    assert joined_reason(None, ["", "saved to /v/a.mkv"]) == "saved to /v/a.mkv"
    assert joined_reason("font fallback: X", ["saved to /v/a.mkv"]) == (
        "font fallback: X; saved to /v/a.mkv"
    )
