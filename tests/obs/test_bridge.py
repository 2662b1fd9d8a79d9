"""The OBS bridge against a real OBS Studio (see conftest.py).

Every effect is checked by reading OBS back, and visual ones by a screenshot
of the program scene; then it must be gone again after durationMs, also
when the process that fired it is killed right after sending.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from streamfx_cli.obs import (
    ObsAuthFailed,
    ObsConnection,
    ObsError,
    ObsNotSetUp,
    ObsRequestFailed,
    ObsUnavailable,
)
from streamfx_cli.obs.connection import ExecutionType, request, sleep_frames, sleep_ms
from streamfx_cli.obs.draw import draw, obs_color
from streamfx_cli.obs.setup import (
    FLASH,
    IMAGE,
    MEDIA,
    OWN_SCENES,
    SCENE,
    TEXT,
    setup,
    status,
)
from tests.support.obs_studio import (
    BACKDROP,
    BACKDROP_RGB,
    BRB,
    CANVAS,
    FPS,
    GAMEPLAY,
    center,
    item_enabled,
    item_transform,
    near,
    places_seen,
    program_scene,
)
from tests.support.waiting import wait_until

if TYPE_CHECKING:
    from tests.support.obs_studio import ObsStudio, Picture

SRC = Path(__file__).resolve().parents[2] / "src"
# How late OBS may be in hiding an effect: one sleep plus a busy software
# renderer on a 2-core machine.
SLACK_S = 1.0
# Effects that a test photographs stay up this long: a screenshot plus its
# pure-Python PNG decoding takes up to ~0.5 s on a loaded machine.
SHOW_MS = 2000
# How long a picture may take to show what OBS was told: an effect fades in first
# (docs/EFFECTS.md "Motion"), and a busy machine lags OBS's frames. A wait ends as
# soon as the picture is right.
SHOT_S = 3.0


def make_render(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "effect": {"id": f"fx_{kind}", "slug": kind, "name": kind.title(), "category": "alert"},
        "durationMs": 1000,
        "colors": {
            "primary": "#7B2FF7",
            "secondary": "#F107A3",
            "accent": "#FFD166",
            "background": "#0B0B0F",
            "text": "#FFFFFF",
        },
        "font": {"heading": "DejaVu Sans", "body": "DejaVu Sans", "size": 40},
        "motionIntensity": 3,
        **fields,
    }


def streamfx_transform(conn: ObsConnection, scene: str = GAMEPLAY) -> dict[str, Any]:
    """Where the nested StreamFX scene sits in a program scene."""
    return item_transform(conn, scene, SCENE)


def backdrop_transform(conn: ObsConnection) -> dict[str, Any]:
    """Where the picture a viewer sees (the Gameplay backdrop) sits."""
    return item_transform(conn, GAMEPLAY, BACKDROP)


def snapshot(conn: ObsConnection) -> dict[str, Any]:
    """Everything setup could touch, for before/after comparisons."""
    scenes = conn.call("GetSceneList")["scenes"]
    inputs = conn.call("GetInputList")["inputs"]
    return {
        "scenes": scenes,
        "items": {
            s["sceneName"]: conn.call("GetSceneItemList", {"sceneName": s["sceneName"]})[
                "sceneItems"
            ]
            for s in scenes
        },
        "inputs": {
            i["inputName"]: conn.call("GetInputSettings", {"inputName": i["inputName"]})
            for i in inputs
        },
    }


def settled_snapshot(conn: ObsConnection) -> dict[str, Any]:
    """A snapshot once sources have finished loading (item sizes settle late)."""
    previous = snapshot(conn)
    for _ in range(50):
        time.sleep(0.1)
        current = snapshot(conn)
        if current == previous:
            return current
        previous = current
    raise AssertionError("OBS kept changing for 5 s")


# -- connection ---------------------------------------------------------------


def test_obs_down_is_unavailable_fast() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    started = time.monotonic()
    with pytest.raises(ObsUnavailable) as info:
        ObsConnection("127.0.0.1", port, "whatever")
    assert time.monotonic() - started < 2.0
    assert "OBS" in str(info.value) and str(info.value).endswith(".")


def test_silent_server_times_out_within_two_seconds() -> None:
    # Accepts TCP (backlog) but never speaks: a hung OBS.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        started = time.monotonic()
        with pytest.raises(ObsUnavailable):
            ObsConnection("127.0.0.1", s.getsockname()[1], "x", timeout=2.0)
        assert time.monotonic() - started < 2.0


def test_wrong_password_fails_once_without_retrying(obs_studio: ObsStudio) -> None:
    host, port, _ = obs_studio.endpoint
    connects_before = obs_studio.log_path.read_text().count("New WebSocket client has connected")
    started = time.monotonic()
    with pytest.raises(ObsAuthFailed) as info:
        ObsConnection(host, port, "not-the-password")
    assert time.monotonic() - started < 1.0
    assert "password" in str(info.value)
    time.sleep(0.3)
    connects_after = obs_studio.log_path.read_text().count("New WebSocket client has connected")
    assert connects_after - connects_before == 1


def test_obsws_logger_never_shows_the_password(
    obs_endpoint: tuple[str, int, str], caplog: pytest.LogCaptureFixture
) -> None:
    host, port, password = obs_endpoint
    with caplog.at_level("DEBUG"), ObsConnection(host, port, password) as conn:
        conn.call("GetVersion")
    assert password not in caplog.text


def test_call_and_batch(obs_conn: ObsConnection) -> None:
    assert obs_conn.call("GetVersion")["rpcVersion"] == 1
    with pytest.raises(ObsRequestFailed) as info:
        obs_conn.call("GetInputSettings", {"inputName": "no such input"})
    assert info.value.code == 600

    results = obs_conn.batch(
        [
            request("GetVersion"),
            request("GetInputSettings", {"inputName": "nope"}),
            request("GetStats"),
        ]
    )
    assert [r.ok for r in results] == [True, False, True]
    halted = obs_conn.batch(
        [request("GetInputSettings", {"inputName": "nope"}), request("GetStats")],
        halt_on_failure=True,
    )
    assert len(halted) == 1 and not halted[0].ok

    started = time.monotonic()
    obs_conn.batch(sleep_ms(300))
    assert 0.28 < time.monotonic() - started < 0.3 + SLACK_S

    started = time.monotonic()
    # A SerialFrame Sleep only delays what follows it: a trailing one is skipped.
    results = obs_conn.batch(
        [sleep_frames(FPS // 2), request("GetVersion")], execution_type=ExecutionType.SERIAL_FRAME
    )
    assert all(r.ok for r in results)
    assert 0.4 < time.monotonic() - started < 0.5 + SLACK_S


def test_fire_and_forget_batch_does_not_confuse_later_calls(obs_conn: ObsConnection) -> None:
    obs_conn.batch([*sleep_ms(200), request("GetVersion")], wait=False)
    assert "obsVersion" in obs_conn.call("GetVersion")
    time.sleep(0.3)  # its answer arrives now and must be skipped
    assert "currentProgramSceneName" in obs_conn.call("GetCurrentProgramScene")


# -- setup ---------------------------------------------------------------------


def test_setup_creates_everything_then_changes_nothing(obs_conn: ObsConnection) -> None:
    setup(obs_conn)
    kinds = {i["inputName"]: i["inputKind"] for i in obs_conn.call("GetInputList")["inputs"]}
    assert kinds[TEXT] == "text_ft2_source_v2"
    assert kinds[FLASH] == "color_source_v3"
    assert kinds[IMAGE] == "image_source"
    assert kinds[MEDIA] == "ffmpeg_source"

    before = settled_snapshot(obs_conn)
    again = setup(obs_conn)
    assert not again.changed, again
    assert snapshot(obs_conn) == before

    for scene in before["scenes"]:
        name = scene["sceneName"]
        if name in OWN_SCENES:  # StreamFX's own (the preview's private scene is never nested)
            continue
        items = before["items"][name]
        top = max(items, key=lambda i: i["sceneItemIndex"])
        assert top["sourceName"] == SCENE, f"StreamFX is not on top of {name}"
    assert not any(i["sceneItemEnabled"] for i in before["items"][SCENE])
    flash = next(i for i in before["items"][SCENE] if i["sourceName"] == FLASH)
    assert (flash["sceneItemTransform"]["width"], flash["sceneItemTransform"]["height"]) == CANVAS

    info = status(obs_conn)
    assert info.setup_complete, info.missing
    assert info.obs_version and info.websocket_version.startswith("5.")
    assert SCENE in info.scenes and info.program_scene in info.scenes


def test_setup_repairs_and_draw_reports_missing_setup(stage: ObsConnection) -> None:
    conn = stage
    conn.call("RemoveInput", {"inputName": TEXT})
    # OBS releases a removed input a moment later, not within the request.
    wait_until(lambda: not status(conn).setup_complete, 10, "the text source to go")
    with pytest.raises(ObsNotSetUp) as info:
        draw(conn, make_render("text", text="hi"))
    assert "streamfx obs setup" in str(info.value)

    # Something added above StreamFX pushes it off the top.
    conn.call(
        "CreateInput",
        {"sceneName": GAMEPLAY, "inputName": "Webcam stand-in", "inputKind": "color_source_v3"},
    )
    result = setup(conn)
    assert result.created_sources == [TEXT]
    assert result.raised_in == [GAMEPLAY]
    assert status(conn).setup_complete
    assert not setup(conn).changed
    conn.call("RemoveInput", {"inputName": "Webcam stand-in"})


# -- drawing -------------------------------------------------------------------


def test_flash_shows_the_colour_then_goes(stage: ObsConnection, screenshot: Any) -> None:
    conn = stage
    render = make_render("flash", durationMs=SHOW_MS, color="#33CC99", opacity=1)
    started = time.monotonic()
    assert draw(conn, render) is True
    assert time.monotonic() - started < 0.5, "draw must not wait for the effect"

    wait_until(lambda: item_enabled(conn, FLASH), 1, "the flash to show")
    settings = conn.call("GetInputSettings", {"inputName": FLASH})["inputSettings"]
    assert settings["color"] == obs_color("#33CC99") == 0xFF99CC33

    # Settings and visibility reach the picture on the next video tick.
    def flash_picture() -> Picture | None:
        picture = screenshot(conn)
        return picture if near(center(picture), (0x33, 0xCC, 0x99), 0) else None

    picture = wait_until(flash_picture, SHOT_S, "the flash colour in the program picture")
    corners = [(0, 0), (CANVAS[0] - 1, 0), (0, CANVAS[1] - 1), (CANVAS[0] - 1, CANVAS[1] - 1)]
    for x, y in corners:
        assert picture.pixel(x, y) == (0x33, 0xCC, 0x99, 0xFF), "the flash must cover the canvas"

    wait_until(lambda: not item_enabled(conn, FLASH), SHOW_MS / 1000 + SLACK_S, "the flash to hide")
    assert time.monotonic() - started > SHOW_MS / 1000 - 0.1
    wait_until(lambda: near(center(screenshot(conn)), BACKDROP_RGB), SHOT_S, "the backdrop again")


def orange_pixels(picture: Picture) -> int:
    # setup puts the banner's centre at 80 % of the height; only look there.
    band = range(picture.height // 2, picture.height)
    return picture.count(lambda p: near(p, (0xFF, 0x66, 0x00), tolerance=8), band)


def test_text_carries_text_font_colour(stage: ObsConnection, screenshot: Any) -> None:
    conn = stage
    render = make_render(
        "text",
        durationMs=SHOW_MS,
        text="Thanks for the follow!",
        color="#FF6600",
        # Orange on purple is 2:1, which the banner refuses (tests/obs/test_banner.py);
        # on the kit's dark background it passes.
        background="#0B0B0F",
    )
    started = time.monotonic()
    draw(conn, render)
    wait_until(lambda: item_enabled(conn, TEXT), 1, "the text to show")

    settings = conn.call("GetInputSettings", {"inputName": TEXT})["inputSettings"]
    assert settings["text"] == "Thanks for the follow!"
    assert settings["font"]["face"] == "DejaVu Sans"
    assert settings["font"]["size"] == 13  # the kit's 40 px at 1080 lines, on 360 lines
    assert settings["color1"] == settings["color2"] == 0xFF0066FF
    orange = wait_until(
        lambda: orange_pixels(screenshot(conn)),
        SHOT_S,
        "orange text on screen",
    )
    assert orange > 200

    wait_until(lambda: not item_enabled(conn, TEXT), SHOW_MS / 1000 + SLACK_S, "the text to hide")
    assert time.monotonic() - started > SHOW_MS / 1000 - 0.1
    wait_until(
        lambda: orange_pixels(screenshot(conn)) == 0,
        SHOT_S,
        "the text to leave the picture",
    )


def test_image_shows_the_file(stage: ObsConnection, screenshot: Any, png_file: Any) -> None:
    conn = stage
    path = png_file(96, 64, (0x00, 0xCC, 0x44))
    draw(conn, make_render("image", durationMs=SHOW_MS), asset_path=str(path))
    wait_until(lambda: item_enabled(conn, IMAGE), 1, "the image to show")
    assert conn.call("GetInputSettings", {"inputName": IMAGE})["inputSettings"]["file"] == str(path)
    wait_until(
        lambda: near(center(screenshot(conn)), (0x00, 0xCC, 0x44), 0), SHOT_S, "image pixels"
    )
    wait_until(lambda: not item_enabled(conn, IMAGE), SHOW_MS / 1000 + SLACK_S, "image hidden")
    wait_until(lambda: near(center(screenshot(conn)), BACKDROP_RGB), SHOT_S, "the backdrop again")


def test_image_without_a_file_is_a_clear_error(stage: ObsConnection) -> None:
    with pytest.raises(ObsError, match="not available on this computer"):
        draw(stage, make_render("image"), asset_path=None)


def test_media_plays_the_file(stage: ObsConnection, wav_file: Any) -> None:
    conn = stage
    path = wav_file(3.0)
    draw(conn, make_render("media", durationMs=1000, volume=0.5), asset_path=str(path))
    wait_until(lambda: item_enabled(conn, MEDIA), 1, "the media to show")
    settings = conn.call("GetInputSettings", {"inputName": MEDIA})["inputSettings"]
    assert settings["local_file"] == str(path)
    assert conn.call("GetInputVolume", {"inputName": MEDIA})["inputVolumeMul"] == pytest.approx(0.5)
    wait_until(
        lambda: (
            conn.call("GetMediaInputStatus", {"inputName": MEDIA})["mediaState"]
            == "OBS_MEDIA_STATE_PLAYING"
        ),
        2,
        "the media to play",
    )
    wait_until(lambda: not item_enabled(conn, MEDIA), 1 + SLACK_S, "the media to hide")


def test_shake_moves_the_picture_then_restores_exactly(stage: ObsConnection) -> None:
    conn = stage
    backdrop, nested = backdrop_transform(conn), streamfx_transform(conn)
    started = time.monotonic()
    draw(conn, make_render("shake", durationMs=1000, amplitude=24, frequencyHz=8))
    # Looked at while the shake lasts (1 s from the draw), however slowly each look goes.
    seen = places_seen(conn, GAMEPLAY, BACKDROP, 1.0 - (time.monotonic() - started))
    assert len(seen) > 5, "the backdrop (what a viewer sees) did not move"
    assert max(abs(x - backdrop["positionX"]) for x, _ in seen) > 5
    wait_until(
        lambda: backdrop_transform(conn) == backdrop and streamfx_transform(conn) == nested,
        1 + SLACK_S,
        "every item back exactly where it was",
    )


def test_shake_fired_twice_still_restores_the_first_position(stage: ObsConnection) -> None:
    conn = stage
    backdrop, nested = backdrop_transform(conn), streamfx_transform(conn)
    draw(conn, make_render("shake", durationMs=800, amplitude=30, frequencyHz=6))
    time.sleep(0.15)  # the second one starts mid-shake
    draw(conn, make_render("shake", durationMs=800, amplitude=30, frequencyHz=6))
    time.sleep(0.8 + SLACK_S)
    assert backdrop_transform(conn) == backdrop
    assert streamfx_transform(conn) == nested


def test_scene_switches_and_comes_back(stage: ObsConnection) -> None:
    conn = stage
    started = time.monotonic()
    draw(conn, make_render("scene", scene=BRB, returnAfterMs=1000))
    wait_until(lambda: program_scene(conn) == BRB, 1, "the switch to BRB")
    wait_until(lambda: program_scene(conn) == GAMEPLAY, 1 + SLACK_S, "the switch back")
    assert time.monotonic() - started > 0.9

    with pytest.raises(ObsRequestFailed, match="no scene named"):
        draw(conn, make_render("scene", scene="Nowhere", returnAfterMs=0))
    assert program_scene(conn) == GAMEPLAY


def test_scene_fired_twice_returns_to_the_first_scene(stage: ObsConnection) -> None:
    conn = stage
    draw(conn, make_render("scene", scene=BRB, returnAfterMs=700))
    wait_until(lambda: program_scene(conn) == BRB, 1, "the switch to BRB")
    draw(conn, make_render("scene", scene=BRB, returnAfterMs=700))
    time.sleep(0.7 + SLACK_S)
    assert program_scene(conn) == GAMEPLAY


def test_filter_is_enabled_for_duration(stage: ObsConnection) -> None:
    conn = stage
    filters = conn.call("GetSourceFilterList", {"sourceName": BACKDROP})["filters"]
    if not any(f["filterName"] == "Tint" for f in filters):
        conn.call(
            "CreateSourceFilter",
            {"sourceName": BACKDROP, "filterName": "Tint", "filterKind": "color_filter_v2"},
        )
    conn.call(
        "SetSourceFilterEnabled",
        {"sourceName": BACKDROP, "filterName": "Tint", "filterEnabled": False},
    )

    def enabled() -> bool:
        return bool(
            conn.call("GetSourceFilter", {"sourceName": BACKDROP, "filterName": "Tint"})[
                "filterEnabled"
            ]
        )

    draw(conn, make_render("filter", durationMs=800, source=BACKDROP, filter="Tint"))
    wait_until(enabled, 1, "the filter to turn on")
    wait_until(lambda: not enabled(), 0.8 + SLACK_S, "the filter to turn off")


def test_hotkey_and_overlay(stage: ObsConnection) -> None:
    conn = stage
    assert draw(conn, make_render("hotkey", hotkey="OBSBasic.ResetStats")) is True
    with pytest.raises(ObsRequestFailed):
        draw(conn, make_render("hotkey", hotkey="No.SuchHotkey"))
    before = settled_snapshot(conn)
    assert draw(conn, make_render("overlay", animation="confetti", particleCount=80)) is False
    assert snapshot(conn) == before


def layout(conn: ObsConnection) -> dict[str, Any]:
    """What a viewer could see change: program scene, item visibility and place."""
    scenes = [s["sceneName"] for s in conn.call("GetSceneList")["scenes"]]
    return {
        "program": program_scene(conn),
        "items": {
            scene: [
                (
                    i["sourceName"],
                    i["sceneItemIndex"],
                    i["sceneItemEnabled"],
                    i["sceneItemTransform"]["positionX"],
                    i["sceneItemTransform"]["positionY"],
                )
                for i in conn.call("GetSceneItemList", {"sceneName": scene})["sceneItems"]
            ]
            for scene in scenes
        },
    }


def test_everything_is_as_before_after_all_effects(
    stage: ObsConnection, png_file: Any, wav_file: Any
) -> None:
    conn = stage
    before = layout(conn)
    draw(conn, make_render("text", durationMs=600, text="hello"))
    draw(conn, make_render("flash", durationMs=300, color="#FFFFFF"))
    draw(conn, make_render("image", durationMs=500), asset_path=str(png_file(8, 8, (1, 2, 3))))
    draw(conn, make_render("media", durationMs=500), asset_path=str(wav_file(0.5)))
    draw(conn, make_render("shake", durationMs=600, amplitude=15))
    draw(conn, make_render("scene", scene=BRB, returnAfterMs=600))
    wait_until(lambda: layout(conn) != before, 1, "the effects to start")
    time.sleep(0.6 + SLACK_S)
    assert layout(conn) == before


def test_malformed_render_is_a_clear_error(stage: ObsConnection) -> None:
    with pytest.raises(ObsError, match="cannot be drawn"):
        draw(stage, make_render("flash", color="orange"))
    with pytest.raises(ObsError, match="cannot draw effects of kind"):
        draw(stage, make_render("hologram"))


# -- the drawing process dies at once --------------------------------------------

FIRE_AND_HANG = """
import json, os, sys, time
from streamfx_cli.obs.connection import ObsConnection
from streamfx_cli.obs.draw import draw
conn = ObsConnection(sys.argv[1], int(sys.argv[2]), os.environ["OBS_TEST_PASSWORD"])
draw(conn, json.loads(sys.argv[3]))
print("sent", flush=True)
time.sleep(60)
"""


def fire_and_kill(endpoint: tuple[str, int, str], render: dict[str, Any]) -> None:
    host, port, password = endpoint
    env = dict(os.environ, OBS_TEST_PASSWORD=password)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-c", FIRE_AND_HANG, host, str(port), json.dumps(render)],
        stdout=subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"sent"
        proc.kill()
        assert proc.wait(5) == -9
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_flash_ends_even_if_the_process_is_killed(
    stage: ObsConnection, obs_endpoint: tuple[str, int, str], screenshot: Any
) -> None:
    conn = stage
    fire_and_kill(obs_endpoint, make_render("flash", durationMs=SHOW_MS, color="#FF0000"))
    wait_until(lambda: item_enabled(conn, FLASH), 1, "the flash to show")
    wait_until(lambda: near(center(screenshot(conn)), (0xFF, 0, 0), 0), SHOT_S, "red on screen")
    wait_until(lambda: not item_enabled(conn, FLASH), SHOW_MS / 1000 + SLACK_S, "flash hidden")
    wait_until(lambda: near(center(screenshot(conn)), BACKDROP_RGB), SHOT_S, "the backdrop again")


def test_shake_and_scene_end_even_if_the_process_is_killed(
    stage: ObsConnection, obs_endpoint: tuple[str, int, str]
) -> None:
    conn = stage
    original = backdrop_transform(conn)
    fire_and_kill(obs_endpoint, make_render("shake", durationMs=800, amplitude=20))
    fire_and_kill(obs_endpoint, make_render("scene", scene=BRB, returnAfterMs=800))
    wait_until(lambda: program_scene(conn) == BRB, 1, "the switch to BRB")
    wait_until(lambda: program_scene(conn) == GAMEPLAY, 0.8 + SLACK_S, "the switch back")
    wait_until(lambda: backdrop_transform(conn) == original, 1, "the transform back")


# -- OBS restarts ----------------------------------------------------------------


def test_obs_restart_between_two_draws(
    obs_studio: ObsStudio, obs_restart: Callable[[], None], screenshot: Any
) -> None:
    first = obs_studio.connect()
    setup(first)
    draw(first, make_render("flash", durationMs=300, color="#0000FF"))
    wait_until(lambda: item_enabled(first, FLASH), 1, "the first flash")

    obs_studio.stop()
    started = time.monotonic()
    with pytest.raises(ObsUnavailable):
        obs_studio.connect()
    assert time.monotonic() - started < 2.0
    with pytest.raises(ObsUnavailable):
        first.call("GetVersion")
    first.close()

    obs_restart()
    with obs_studio.connect() as second:
        # OBS saves the scene collection on every change: setup survived.
        assert status(second).setup_complete
        draw(second, make_render("flash", durationMs=SHOW_MS, color="#00FF00"))
        wait_until(lambda: item_enabled(second, FLASH), 1, "the flash after the restart")
        wait_until(lambda: near(center(screenshot(second)), (0, 0xFF, 0), 0), SHOT_S, "green")
        wait_until(lambda: not item_enabled(second, FLASH), SHOW_MS / 1000 + SLACK_S, "hidden")
