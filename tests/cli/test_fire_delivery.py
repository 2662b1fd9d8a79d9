"""`streamfx fire` says "shown" only when viewers can see it, and records what became of
each activation (docs/AGENT.md "Delivery record"): the real command, the real server and
the session's real OBS Studio, on the standard stage of tests/support/obs_studio.py.

Each test that changes the stage (a source over StreamFX, StreamFX turned off or missing
from the program scene, OBS stopped) puts it back in `finally`: the OBS is shared by the
whole session.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import httpx

from streamfx_cli.obs import ObsConnection, ObsRequestFailed
from streamfx_cli.obs.setup import FLASH, SCENE, setup
from tests.cli import test_obs
from tests.cli.test_obs import SHOW_MS, SLACK_S, Live, as_json, ok, shot, wait_for_centre
from tests.support.accounts import login
from tests.support.cli import Cli
from tests.support.live_server import LiveServer
from tests.support.obs_studio import (
    BRB,
    CANVAS,
    GAMEPLAY,
    ObsStudio,
    build_stage,
    center,
    effects_idle,
    item_enabled,
    item_id,
    near,
    obs_rgb,
)
from tests.support.waiting import wait_until

# The same fixture as tests/cli/test_obs.py: a signed-in CLI, a brand kit, a live
# session, and OBS set up on the standard stage.
live = test_obs.live

PRIMARY = (0x33, 0xCC, 0x99)  # the test brand kit's primary colour: what a flash fills with
COVER, COVER_RGB = "Game", (0x80, 0x10, 0x10)


def stored_activation(server: LiveServer, cli: Cli, activation_id: str) -> dict[str, Any]:
    """GET /api/activations/{id} as the CLI's creator: what the server recorded."""
    token = login(server, cli.email)["accessToken"]  # type: ignore[attr-defined]
    response = httpx.get(
        f"{server.url}/api/activations/{activation_id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    return dict(response.json())


def without_obs(activation: dict[str, Any]) -> dict[str, Any]:
    """`fire --json` prints the activation plus its own `obs` summary and the trigger's
    `agent` (null: no agent held the lease, so `fire` drew it)."""
    assert activation["agent"] is None
    return {k: v for k, v in activation.items() if k not in ("obs", "agent")}


def status_of(cli: Cli) -> tuple[dict[str, Any], str]:
    """`streamfx obs status` as JSON, and the warning the human form prints (stderr)."""
    human = cli.run("obs", "status")
    ok(human)
    return as_json(cli.run("obs", "status", "--json")), human.stderr


def flash(live: Live, *args: str) -> Any:
    return live.fire("flash", "--param", "opacity=1", "--param", f"durationMs={SHOW_MS}", *args)


def idle(conn: ObsConnection) -> None:
    wait_until(lambda: effects_idle(conn), SHOW_MS / 1000 + SLACK_S, "the effect to end")


def remove_input(conn: ObsConnection, name: str) -> None:
    try:
        conn.call("RemoveInput", {"inputName": name})
    except ObsRequestFailed:
        return  # not there
    wait_until(
        lambda: name not in {i["inputName"] for i in conn.call("GetInputList")["inputs"]},
        5,
        f"{name!r} to go",
    )


def test_shown_is_recorded_with_when_obs_started_it(live: Live, server: LiveServer) -> None:
    activation = as_json(flash(live, "--json"))
    assert activation["obs"] == {"status": "shown"}
    delivery = activation["delivery"]
    assert delivery["status"] == "shown" and delivery["reason"] is None
    assert delivery["agentId"] is None  # the CLI drew it itself
    drawn = datetime.fromisoformat(delivery["drawnAt"])
    triggered = datetime.fromisoformat(activation["triggeredAt"])
    assert abs(delivery["latencyMs"] - (drawn - triggered).total_seconds() * 1000) <= 1
    assert 0 <= delivery["latencyMs"] < 5000
    assert stored_activation(server, live.cli, activation["id"]) == without_obs(activation)

    wait_for_centre(live.conn, PRIMARY, "the flash in the program picture")
    idle(live.conn)
    human = live.fire("banner", "--param", "durationMs=300")
    assert "; shown in OBS." in ok(human) and human.stderr == ""


def test_a_source_above_streamfx_hides_the_effect(live: Live, server: LiveServer) -> None:
    conn = live.conn
    reason = f"StreamFX is below {COVER!r} in scene {GAMEPLAY!r}"
    hint = f"Move StreamFX to the top of scene {GAMEPLAY!r}, or run `streamfx obs setup`."
    remove_input(conn, COVER)  # left over from an interrupted run
    w, h = CANVAS
    # A new item lands on top: a full-canvas picture over StreamFX, as a game capture is.
    conn.call(
        "CreateInput",
        {
            "sceneName": GAMEPLAY,
            "inputName": COVER,
            "inputKind": "color_source_v3",
            "inputSettings": {"color": obs_rgb(COVER_RGB), "width": w, "height": h},
        },
    )
    try:
        fired = flash(live, "--json")
        assert fired.returncode == 8, fired.stderr
        activation = json.loads(fired.stdout)
        assert activation["obs"] == {"status": "hidden", "reason": reason}
        delivery = activation["delivery"]
        assert (delivery["status"], delivery["reason"]) == ("hidden", reason)
        assert delivery["drawnAt"] and delivery["latencyMs"] is not None  # OBS did start it
        assert f"error: Viewers cannot see it: {reason}.\nhint: {hint}\n" == fired.stderr
        assert stored_activation(server, live.cli, activation["id"]) == without_obs(activation)

        # The flash is on in the StreamFX scene, yet viewers get the cover.
        wait_until(lambda: item_enabled(conn, FLASH), 1, "the flash to start")
        picture = shot(conn)
        assert item_enabled(conn, FLASH), "the flash ended before the picture was taken"
        assert near(center(picture), COVER_RGB), center(picture)
        idle(conn)

        human = live.fire("banner", "--param", "durationMs=300")
        assert human.returncode == 8
        assert human.stdout.startswith("Fired banner (text")
        assert human.stdout.endswith(f", but viewers cannot see it: {reason}.\n")
        assert "shown in OBS" not in human.stdout

        info, warning = status_of(live.cli)
        assert info["visibility"] == {"visible": False, "reason": reason, "hint": hint}
        assert warning == f"warning: viewers cannot see StreamFX's effects: {reason}. {hint}\n"

        # The hint is true: setup puts StreamFX back on top, and viewers see the next one.
        assert f"Moved StreamFX back to the top of: {GAMEPLAY}." in ok(live.cli.run("obs", "setup"))
        info, warning = status_of(live.cli)
        assert info["visibility"]["visible"] is True and warning == ""
        wait_until(lambda: effects_idle(conn), 0.3 + SLACK_S, "the banner to end")
        assert as_json(flash(live, "--json"))["delivery"]["status"] == "shown"
        wait_for_centre(conn, PRIMARY, "the flash over the cover")
    finally:
        remove_input(conn, COVER)


def test_streamfx_turned_off_in_the_program_scene_hides_the_effect(live: Live) -> None:
    conn = live.conn
    reason = f"StreamFX is hidden in scene {GAMEPLAY!r}"
    nested = item_id(conn, GAMEPLAY, SCENE)

    def turn(on: bool) -> None:
        conn.call(
            "SetSceneItemEnabled",
            {"sceneName": GAMEPLAY, "sceneItemId": nested, "sceneItemEnabled": on},
        )

    turn(False)
    try:
        fired = live.fire("banner", "--param", "durationMs=300", "--json")
        assert fired.returncode == 8, fired.stderr
        assert json.loads(fired.stdout)["delivery"]["reason"] == reason
        assert "eye icon" in fired.stderr
        info, warning = status_of(live.cli)
        assert info["visibility"]["reason"] == reason and reason in warning

        assert f"Turned StreamFX back on in: {GAMEPLAY}." in ok(live.cli.run("obs", "setup"))
        assert item_enabled(conn, SCENE, GAMEPLAY)
        assert status_of(live.cli)[1] == ""
    finally:
        turn(True)


def test_a_program_scene_without_streamfx_hides_the_effect(live: Live, server: LiveServer) -> None:
    conn = live.conn
    reason = f"the program scene {BRB!r} has no StreamFX"
    conn.call("RemoveSceneItem", {"sceneName": BRB, "sceneItemId": item_id(conn, BRB, SCENE)})
    conn.call("SetCurrentProgramScene", {"sceneName": BRB})
    try:
        fired = live.fire("banner", "--param", "text=Anyone there?", "--param", "durationMs=300")
        assert fired.returncode == 8, fired.stderr
        assert fired.stdout.endswith(f", but viewers cannot see it: {reason}.\n")
        activation_id = re.search(r": (\S+), but viewers", fired.stdout)
        assert activation_id, fired.stdout
        stored = stored_activation(server, live.cli, activation_id[1])
        assert (stored["delivery"]["status"], stored["delivery"]["reason"]) == ("hidden", reason)
        assert stored["delivery"]["drawnAt"]  # OBS did draw it, in a scene nobody sees

        info, warning = status_of(live.cli)
        assert info["setupComplete"] is False
        assert info["visibility"]["reason"] == reason
        assert warning.startswith(f"warning: viewers cannot see StreamFX's effects: {reason}. ")

        assert f"Added StreamFX on top of: {BRB}." in ok(live.cli.run("obs", "setup"))
        wait_until(lambda: effects_idle(conn), 0.3 + SLACK_S, "the banner to end")
        shown = as_json(live.fire("banner", "--param", "durationMs=300", "--json"))
        assert shown["delivery"]["status"] == "shown"
    finally:
        setup(conn)  # StreamFX back into BRB (a no-op when the test got that far)
        build_stage(conn)  # and Gameplay live again


def test_obs_not_running_is_recorded_as_failed(
    live: Live, server: LiveServer, obs_studio: ObsStudio
) -> None:
    live.conn.close()  # dies with this OBS
    obs_studio.stop()
    try:
        fired = live.fire("flash", "--json")
        assert fired.returncode == 7, fired.stderr
        activation = json.loads(fired.stdout)
        delivery = activation["delivery"]
        assert delivery["status"] == "failed"
        assert delivery["reason"].startswith("OBS is not reachable")
        assert delivery["drawnAt"] is None and delivery["latencyMs"] is None
        assert stored_activation(server, live.cli, activation["id"]) == without_obs(activation)
        assert "warning" not in fired.stderr  # the failure was recorded
    finally:
        obs_studio.start()


def test_no_obs_is_recorded_as_skipped_and_overlay_only_is_left_to_the_pages(
    signed_in: Cli, server: LiveServer
) -> None:
    ok(signed_in.run("session", "start", "--platform", "twitch"))
    skipped = as_json(signed_in.run("fire", "banner", "--no-obs", "--json"))
    assert skipped["delivery"]["status"] == "skipped"
    assert "--no-obs" in skipped["delivery"]["reason"]
    assert stored_activation(server, signed_in, skipped["id"]) == without_obs(skipped)

    overlay = as_json(signed_in.run("fire", "confetti", "--json"))
    assert overlay["delivery"]["status"] == "pending"
    assert stored_activation(server, signed_in, overlay["id"])["delivery"]["status"] == "pending"
