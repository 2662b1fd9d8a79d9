"""The arithmetic of move and filter-ramp (easing, frames, targets) and the replay's wait for
its file, without OBS. OBS itself: tests/obs/test_frame_kinds.py."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfx_cli.obs.connection import ExecutionType
from streamfx_cli.obs.draw import Plan
from streamfx_cli.obs.draw_frames import move_target, tween
from streamfx_cli.obs.draw_replay import saved_replay
from streamfx_cli.obs.easing import CURVES, between, frames_for, progress, video_fps
from streamfx_wire.kinds import EASINGS

finite = st.floats(-1e6, 1e6, allow_nan=False)


def test_every_easing_of_the_contract_has_a_curve():
    assert set(CURVES) == set(EASINGS)


@pytest.mark.parametrize("easing", EASINGS)
@given(frames=st.integers(1, 600))
def test_progress_rises_to_exactly_one(easing: str, frames: int):
    steps = progress(frames, easing)
    assert len(steps) == frames
    assert steps[-1] == 1.0
    assert steps[0] > 0
    assert all(a <= b for a, b in itertools.pairwise(steps))


def test_ease_in_out_starts_and_ends_slowly_and_is_symmetric():
    curve = CURVES["ease-in-out"]
    assert curve(0.5) == pytest.approx(0.5)
    for t in (0.1, 0.25, 0.4):
        assert curve(t) + curve(1 - t) == pytest.approx(1.0)
    # Slow at both ends, fast in the middle.
    assert curve(0.1) < 0.1 and curve(0.9) > 0.9
    assert curve(0.55) - curve(0.45) > 0.1


@given(finite, finite)
def test_between_is_exact_at_both_ends(start: float, target: float):
    assert between(start, target, 0.0) == start
    assert between(start, target, 1.0) == target


def test_frames_follow_the_canvas_fps():
    assert frames_for(500, 30) == 15
    assert frames_for(500, 60) == 30
    assert frames_for(1, 30) == 1  # any time at all is at least a frame
    assert frames_for(0, 30) == 0
    assert video_fps({"fpsNumerator": 60000, "fpsDenominator": 1001}) == pytest.approx(60000 / 1001)


def setter(values: Any) -> list[dict[str, Any]]:
    return [{"requestType": "Set", "requestData": dict(values)}]


def sets(frames: list[dict[str, Any]]) -> list[dict[str, float]]:
    return [r["requestData"] for r in frames if r["requestType"] == "Set"]


def test_a_tween_sets_one_value_a_frame_and_lands_exactly():
    # 0.1 + (0.3 - 0.1) * 1.0 is not 0.3 in floating point: the last frame must be the target.
    there = tween({"v": 0.1}, {"v": 0.3}, 10, "ease-in-out", setter)
    assert [r["requestType"] for r in there] == ["Set", "Sleep"] * 10
    assert all(r["requestData"] == {"sleepFrames": 1} for r in there[1::2])
    values = [s["v"] for s in sets(there)]
    assert values[-1] == 0.3
    assert values == sorted(values)
    back = tween({"v": 0.3}, {"v": 0.1}, 10, "ease-in-out", setter)
    assert sets(back)[-1] == {"v": 0.1}


def test_a_move_target_is_absolute_or_relative_per_axis():
    home = {"positionX": 100.0, "positionY": 50.0, "scaleX": 1.0, "scaleY": 0.5, "rotation": 10.0}
    assert move_target(home, {"x": 300, "dy": -20}) == {"positionX": 300.0, "positionY": 30.0}
    assert move_target(home, {"scaleBy": 2}) == {"scaleX": 2.0, "scaleY": 1.0}
    assert move_target(home, {"scale": 1.5}) == {"scaleX": 1.5, "scaleY": 1.5}
    assert move_target(home, {"rotateBy": 45}) == {"rotation": 55.0}
    assert move_target(home, {"rotation": -90}) == {"rotation": -90.0}


def test_a_self_timed_frame_plan_goes_there_holds_comes_back_and_ends_exactly():
    start = [{"requestType": "Go"}]
    back = [{"requestType": "Back"}]
    end = [{"requestType": "Home"}]
    drawing = Plan(
        start=start,
        end=end,
        duration_ms=1500,
        execution_type=ExecutionType.SERIAL_FRAME,
        back=back,
        back_ms=500,
        hold_frames=25_000,  # over OBS's cap for one Sleep: split
    )
    batch = drawing.self_timed()
    assert [r["requestType"] for r in batch] == ["Go", "Sleep", "Sleep", "Sleep", "Back", "Home"]
    assert [r["requestData"]["sleepFrames"] for r in batch[1:4]] == [10_000, 10_000, 5_000]


class FakeObs:
    """Events arrive with the answers to requests, as obs-websocket sends them."""

    def __init__(self, arrivals: list[list[dict[str, Any]]]) -> None:
        self.arrivals = arrivals  # what comes before each answer
        self.kept: list[dict[str, Any]] = []
        self.subscribed = 64

    def call(self, request_type: str, data: Any = None) -> dict[str, Any]:
        assert request_type == "GetReplayBufferStatus"
        self.kept += self.arrivals.pop(0) if self.arrivals else []
        return {"outputActive": True}

    def take_event(self, event_type: str) -> dict[str, Any] | None:
        for event in self.kept:
            if event["eventType"] == event_type:
                self.kept.remove(event)
                return event["eventData"]
        return None

    def subscribe(self, events: int) -> None:
        self.subscribed = events


def saved(path: str) -> dict[str, Any]:
    return {"eventType": "ReplayBufferSaved", "eventData": {"savedReplayPath": path}}


def test_the_replay_waits_for_obs_to_say_where_it_saved_the_file():
    other = {"eventType": "RecordStateChanged", "eventData": {}}
    obs = FakeObs([[], [other], [saved("/v/Replay 20-14-09.mkv")]])
    looks = [saved_replay(obs) for _ in range(3)]  # type: ignore[arg-type]
    assert looks == [None, None, "saved to /v/Replay 20-14-09.mkv"]
    assert obs.subscribed == 0, "no more events once it is known"
    # Two saves within one second get one name: the event still tells each apart.
    twice = FakeObs([[saved("/v/Replay 1.mkv")], [saved("/v/Replay 1.mkv")]])
    assert saved_replay(twice) == "saved to /v/Replay 1.mkv"  # type: ignore[arg-type]
    assert saved_replay(twice) == "saved to /v/Replay 1.mkv"  # type: ignore[arg-type]
