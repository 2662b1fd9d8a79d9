"""The built-in `brb` works out of the box: `streamfx obs setup` makes the "BRB" scene it
switches to (in the brand kit's look, else StreamFX's), leaves a streamer's own "BRB"
alone, and `streamfx obs status` says which it is. Real command, server and OBS.
"""

# The `live` fixture is test_obs.py's, imported so these tests get the same stage.
# ruff: noqa: F811

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from streamfx_cli.obs import ObsConnection, ObsRequestFailed
from streamfx_cli.obs.brb import BRB_CARD, BRB_MESSAGE, BRB_SCENE, BRB_TEXT
from tests.cli.test_obs import KIT, Live, as_json, configure_obs, live, ok  # noqa: F401
from tests.support.cli import Cli
from tests.support.obs_studio import (
    BRB,
    GAMEPLAY,
    ObsStudio,
    build_stage,
    center,
    hex_rgb,
    near,
    program_scene,
    take_screenshot,
)
from tests.support.waiting import wait_until

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "preview"
BACKGROUND = "#1A3355"
DEFAULT_BACKGROUND = "#0B0B0F"  # streamfx_wire.vocabulary DEFAULT_PALETTE
DEFAULT_TEXT = "#FFFFFF"


def remove_brb(conn: ObsConnection) -> None:
    """No "BRB" scene, as on an OBS that never had one (and none of its sources)."""
    inputs = {i["inputName"] for i in conn.call("GetInputList")["inputs"]}
    for name in (BRB_CARD, BRB_TEXT):
        if name in inputs:
            conn.call("RemoveInput", {"inputName": name})
    if BRB_SCENE in {s["sceneName"] for s in conn.call("GetSceneList")["scenes"]}:
        conn.call("RemoveScene", {"sceneName": BRB_SCENE})

    def gone() -> bool:
        names = {i["inputName"] for i in conn.call("GetInputList")["inputs"]}
        if names & {BRB_CARD, BRB_TEXT}:
            return False
        try:
            conn.call("GetSourceActive", {"sourceName": BRB_SCENE})
        except ObsRequestFailed:
            return True
        return False

    wait_until(gone, 5, "the BRB scene and its sources to go")


@pytest.fixture
def no_brb(obs_conn: ObsConnection) -> Iterator[ObsConnection]:
    """OBS without a "BRB" scene; afterwards the empty one the other tests expect."""
    build_stage(obs_conn)
    remove_brb(obs_conn)
    yield obs_conn
    remove_brb(obs_conn)
    build_stage(obs_conn)


def keep_picture(conn: ObsConnection, scene: str, name: str) -> None:
    """Save what the scene looks like under test-artifacts/, to look at."""
    shot = conn.call("GetSourceScreenshot", {"sourceName": scene, "imageFormat": "png"})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(base64.b64decode(str(shot["imageData"]).split(",", 1)[1]))


def brb_picture_colours(conn: ObsConnection, text: str) -> tuple[tuple[int, ...], int]:
    """The BRB scene's corner colour, and how many pixels of its middle have `text` colour."""
    picture = take_screenshot(conn, BRB_SCENE, width=320)
    lettering = picture.count(lambda p: near(p, hex_rgb(text), 40), rows=range(70, 110))
    return picture.pixel(2, 2), lettering


def test_setup_makes_a_brb_scene_in_the_kits_look(live: Live, no_brb: ObsConnection) -> None:
    conn = no_brb
    cli = live.cli
    kit_id = as_json(cli.run("brand-kit", "list", "--json"))[0]["id"]
    ok(cli.run("brand-kit", "update", kit_id, "--background", BACKGROUND))
    before = as_json(cli.run("obs", "status", "--json"))
    assert before["brbScene"] == {"name": BRB_SCENE, "exists": False}
    assert "no scene 'BRB'" in ok(cli.run("obs", "status"))

    made = ok(cli.run("obs", "setup"))
    assert "Created the 'BRB' scene for the brb effect, in your brand kit's look." in made
    keep_picture(conn, BRB_SCENE, "brb-scene.png")
    corner, lettering = brb_picture_colours(conn, KIT["text"])
    assert near(corner, hex_rgb(BACKGROUND)), corner
    assert lettering > 100, f"no 'Be right back' in the kit's text colour ({lettering} px)"
    text = conn.call("GetInputSettings", {"inputName": BRB_TEXT})["inputSettings"]
    assert (text["text"], text["font"]["face"]) == (BRB_MESSAGE, KIT["font"])
    # StreamFX's effects show over it like over any program scene.
    items = conn.call("GetSceneItemList", {"sceneName": BRB_SCENE})["sceneItems"]
    assert max(items, key=lambda i: i["sceneItemIndex"])["sourceName"] == "StreamFX"

    # A second run changes nothing and says where brb goes.
    again = as_json(cli.run("obs", "setup", "--json"))
    assert again["changed"] is False
    assert again["brbScene"] == {"name": BRB_SCENE, "created": False, "existed": True}
    words = ok(cli.run("obs", "setup"))
    assert "nothing changed" in words and "brb will switch to your scene 'BRB'." in words
    assert "brb: switches to the scene 'BRB'" in ok(cli.run("obs", "status"))

    # And the built-in brb now works: the program shows the card, then comes back.
    ok(live.fire("brb", "-p", "returnAfterMs=1500"))
    wait_until(lambda: program_scene(conn) == BRB_SCENE, 3, "the switch to BRB")
    seen = center(take_screenshot(conn, width=320))
    assert near(seen, hex_rgb(BACKGROUND)) or near(seen, hex_rgb(KIT["text"]), 40), seen
    wait_until(lambda: program_scene(conn) == GAMEPLAY, 5, "the return to Gameplay")


def test_without_a_sign_in_the_brb_scene_has_streamfx_defaults(
    file_cli: Cli, obs_studio: ObsStudio, no_brb: ObsConnection
) -> None:
    ok(configure_obs(file_cli, obs_studio))
    made = ok(file_cli.run("obs", "setup"))
    assert "in StreamFX's default look (you are not signed in)" in made
    corner, lettering = brb_picture_colours(no_brb, DEFAULT_TEXT)
    assert near(corner, hex_rgb(DEFAULT_BACKGROUND)), corner
    assert lettering > 100


def test_a_brb_scene_of_the_streamers_own_is_left_alone(
    file_cli: Cli, obs_studio: ObsStudio, obs_conn: ObsConnection
) -> None:
    build_stage(obs_conn)  # an empty "BRB" of the streamer's
    ok(configure_obs(file_cli, obs_studio))
    ok(file_cli.run("obs", "setup"))
    before = obs_conn.call("GetSceneItemList", {"sceneName": BRB})["sceneItems"]
    again = ok(file_cli.run("obs", "setup"))
    assert "brb will switch to your scene 'BRB'." in again
    assert "Created the 'BRB'" not in again
    assert obs_conn.call("GetSceneItemList", {"sceneName": BRB})["sceneItems"] == before
    assert {i["sourceName"] for i in before} <= {"StreamFX"}
