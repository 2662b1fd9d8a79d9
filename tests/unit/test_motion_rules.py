"""The motion rules, pure (docs/EFFECTS.md "Motion"); OBS draws them in tests/obs/test_motion.py."""

from __future__ import annotations

from typing import Any

import pytest

from streamfx_cli.obs import motion
from streamfx_cli.obs.draw_motion import grow
from streamfx_cli.obs.motion import REST, Pose, sample, timing


def test_intensity_one_only_fades_and_five_travels_far_and_overshoots() -> None:
    calm, bold = timing(5000, 1), timing(5000, 5)
    assert calm.distance == 0 and calm.overshoot == 0
    assert bold.distance == 200 and bold.overshoot == pytest.approx(0.15)
    assert bold.enter_ms < calm.enter_ms <= 450  # bold arrives sooner; calm is quick too
    banner = motion.banner_enter(calm)
    assert {pose.drop for _, pose in banner} == {0.0}, "a calm banner never moves"


def test_a_short_effect_squeezes_its_motion_into_most_of_its_time() -> None:
    t = timing(400, 1)
    assert t.enter_ms + t.exit_ms <= 400 * motion.MOTION_BUDGET + 1
    assert t.enter_ms > 0 and t.exit_ms > 0


@pytest.mark.parametrize("value,expected", [(None, 3), ("x", 3), (0, 1), (9, 5), (4.4, 4)])
def test_unreadable_or_out_of_range_intensity_is_clamped(value: object, expected: int) -> None:
    assert motion.intensity(value) == expected


def test_each_frame_has_a_pose_and_the_last_is_exactly_at_rest() -> None:
    keys = motion.banner_enter(timing(3000, 5))
    poses = sample(keys, 250, 30.0, "ease-out")
    assert len(poses) == 8  # 250 ms at 30 fps
    assert poses[-1] == REST
    assert all(0 <= p.opacity <= 1 for p in poses)
    assert min(p.drop for p in poses) < 0, "it overshoots above its place on the way"
    assert sample(keys, 0, 30.0) == []


def test_pose_between_keyframes_is_a_straight_line() -> None:
    keys = ((0.0, Pose(0.0, 100.0)), (0.5, Pose(1.0, 0.0)), (1.0, Pose(1.0, 0.0, 2.0)))
    assert motion.pose_at(keys, 0.25) == Pose(0.5, 50.0, 1.0)
    assert motion.pose_at(keys, 0.75) == Pose(1.0, 0.0, 1.5)
    assert motion.pose_at(keys, -1) == keys[0][1] and motion.pose_at(keys, 2) == keys[-1][1]


def transform(**fields: Any) -> dict[str, Any]:
    base = {
        "alignment": 0,
        "positionX": 320.0,
        "positionY": 180.0,
        "scaleX": 1.0,
        "scaleY": 1.0,
        "rotation": 0.0,
        "sourceWidth": 100.0,
        "sourceHeight": 50.0,
        "cropLeft": 0,
        "cropRight": 0,
        "cropTop": 0,
        "cropBottom": 0,
        "boundsType": "OBS_BOUNDS_NONE",
        "boundsAlignment": 0,
        "boundsWidth": 1.0,
        "boundsHeight": 1.0,
    }
    return base | fields


def test_an_image_grows_about_the_centre_of_what_is_drawn() -> None:
    # Top-left anchored at (10, 20), scaled 2x: drawn 200x100, centre (110, 70).
    found = grow(transform(alignment=5, positionX=10.0, positionY=20.0, scaleX=2.0, scaleY=2.0))
    assert found is not None
    place, rest = found
    half = place(Pose(1.0, 0.0, 0.5))
    assert (half["positionX"], half["positionY"]) == (110.0, 70.0)
    assert (half["boundsWidth"], half["boundsHeight"]) == (100.0, 50.0)
    assert rest["alignment"] == 5 and rest["boundsType"] == "OBS_BOUNDS_NONE"
    assert rest["boundsWidth"] == 1.0  # put back too, though unused


def test_a_small_image_in_a_large_box_grows_where_it_is_drawn() -> None:
    # Bottom-right aligned inside a 400x300 box centred at (320, 180): never enlarged.
    found = grow(
        transform(
            boundsType="OBS_BOUNDS_MAX_ONLY",
            boundsWidth=400.0,
            boundsHeight=300.0,
            boundsAlignment=10,  # bottom right
        )
    )
    assert found is not None
    at_rest = found[0](REST)
    assert (at_rest["boundsWidth"], at_rest["boundsHeight"]) == (100.0, 50.0)
    # The box spans 120..520 x 30..330; the image sits in its bottom right corner.
    assert (at_rest["positionX"], at_rest["positionY"]) == (470.0, 305.0)


def test_a_rotated_or_empty_image_is_not_scaled() -> None:
    assert grow(transform(rotation=15.0)) is None
    assert grow(transform(sourceWidth=0.0)) is None
