"""`visibility.check` against the session's real OBS: what it reads is what the program
picture shows. The CLI's end-to-end view of the same is tests/cli/test_fire_delivery.py."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from streamfx_cli.obs import ObsConnection, ObsRequestFailed
from streamfx_cli.obs.setup import SCENE, setup
from streamfx_cli.obs.visibility import check
from tests.support.obs_studio import CANVAS, GAMEPLAY, build_stage, obs_rgb
from tests.support.waiting import wait_until

COVER = "Visibility cover"


@pytest.fixture
def stage(streamfx_conn: ObsConnection) -> Iterator[ObsConnection]:
    """The standard stage, set up; anything a test added or switched is undone after it."""
    conn = streamfx_conn
    build_stage(conn)
    setup(conn)
    try:
        yield conn
    finally:
        with contextlib.suppress(ObsRequestFailed):  # never made
            conn.call("RemoveInput", {"inputName": COVER})
        wait_until(
            lambda: COVER not in {i["inputName"] for i in conn.call("GetInputList")["inputs"]},
            5,
            "the cover to go",
        )
        build_stage(conn)
        setup(conn)


def add_cover(conn: ObsConnection, enabled: bool) -> int:
    w, h = CANVAS
    return int(
        conn.call(
            "CreateInput",
            {
                "sceneName": GAMEPLAY,
                "inputName": COVER,
                "inputKind": "color_source_v3",
                "inputSettings": {"color": obs_rgb((0x10, 0x80, 0x10)), "width": w, "height": h},
                "sceneItemEnabled": enabled,
            },
        )["sceneItemId"]
    )


def test_check_reads_the_program_scene_in_one_round_trip(stage: ObsConnection) -> None:
    conn = stage
    batches = 0
    original = conn.batch

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal batches
        batches += 1
        return original(*args, **kwargs)

    conn.batch = counted  # type: ignore[method-assign]
    calls_before = conn.call
    conn.call = lambda *a, **k: pytest.fail("check made a second round trip")  # type: ignore[method-assign]
    try:
        assert check(conn).visible
    finally:
        conn.batch, conn.call = original, calls_before  # type: ignore[method-assign]
    assert batches == 1


def test_a_disabled_source_above_hides_nothing_until_it_is_turned_on(
    stage: ObsConnection,
) -> None:
    conn = stage
    cover = add_cover(conn, enabled=False)
    assert check(conn).visible
    conn.call(
        "SetSceneItemEnabled",
        {"sceneName": GAMEPLAY, "sceneItemId": cover, "sceneItemEnabled": True},
    )
    assert check(conn).reason == f"StreamFX is below {COVER!r} in scene {GAMEPLAY!r}"


def test_the_streamfx_scene_itself_live_is_visible(stage: ObsConnection) -> None:
    conn = stage
    conn.call("SetCurrentProgramScene", {"sceneName": SCENE})
    assert check(conn).visible
