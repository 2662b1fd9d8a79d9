"""`streamfx obs …` and `streamfx fire` end to end: the real command in a subprocess,
the real server on loopback, and the session's real OBS Studio under Xvfb.

Each test checks what a streamer would notice: what the command prints and
exits with, what OBS shows (read back, and photographed with
GetSourceScreenshot), and that OBS is back as it was once the effect is over.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from streamfx_cli.obs import ObsConnection, ObsUnavailable
from streamfx_cli.obs.setup import FLASH, IMAGE, SCENE, TEXT, setup
from tests.obs.test_bridge import layout
from tests.support.accounts import set_tier
from tests.support.cli import Cli
from tests.support.live_server import free_port
from tests.support.obs_studio import (
    BACKDROP,
    BACKDROP_RGB,
    BRB,
    GAMEPLAY,
    STREAMFX_SOURCES,
    ObsStudio,
    Picture,
    build_stage,
    center,
    effects_idle,
    encode_png,
    item_enabled,
    item_transform,
    near,
    obs_rgb,
    places_seen,
    program_scene,
    take_screenshot,
)
from tests.support.waiting import wait_until

# How late OBS may be in ending an effect on a busy 2-core machine.
SLACK_S = 1.0
# Effects that a test photographs stay up this long (a screenshot and its
# pure-Python decoding take a few hundred ms on a loaded machine).
SHOW_MS = 2000
# How long a picture may take to show what OBS was told: an effect fades in first
# (docs/EFFECTS.md "Motion"), and a busy machine lags OBS's frames. A wait ends as
# soon as the picture is right.
SHOT_S = 3.0
SHOT_WIDTH = 320  # half the canvas: decodes 4x faster, still exact on solid areas

KIT = {"primary": "#33CC99", "text": "#FF6600", "font": "DejaVu Sans", "size": 40}


def ok(result: Any) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout


def as_json(result: Any) -> Any:
    return json.loads(ok(result))


def shot(conn: ObsConnection) -> Picture:
    return take_screenshot(conn, width=SHOT_WIDTH)


def wait_for_centre(
    conn: ObsConnection,
    rgb: tuple[int, int, int],
    what: str,
    timeout: float = SHOT_S,
    tolerance: int = 0,
) -> Picture:
    """Wait until the middle of the program picture has colour `rgb`; say what it was if not."""
    centres: list[tuple[int, ...]] = []

    def check() -> Picture | None:
        picture = shot(conn)
        centres.append(center(picture))
        return picture if near(center(picture), rgb, tolerance) else None

    return wait_until(check, timeout, what, seen=lambda: f"the centre was {centres[-3:]}")  # type: ignore[return-value]


# Hiding is timed on the scene item; the picture only has to follow within this.
GONE_S = 3.0


def configure_obs(cli: Cli, obs_studio: ObsStudio) -> subprocess.CompletedProcess[str]:
    """`streamfx obs config` pointed at the test's OBS, the password given on stdin."""
    host, port, password = obs_studio.endpoint
    return cli.run(
        "obs",
        "config",
        "--host",
        host,
        "--port",
        str(port),
        "--password-stdin",
        input=password + "\n",
    )


@dataclass
class Live:
    """A signed-in CLI pointed at the session's OBS, with a live session and a brand kit."""

    cli: Cli
    conn: ObsConnection
    session_id: str

    def fire(self, *args: str, env: dict[str, str] | None = None) -> Any:
        return self.cli.run("fire", *args, env=env)

    def metrics(self) -> dict[str, Any]:
        return as_json(self.cli.run("session", "status", self.session_id, "--json"))["metrics"]


@pytest.fixture
def live(signed_in: Cli, obs_studio: ObsStudio, obs_conn: ObsConnection) -> Live:
    build_stage(obs_conn)
    setup(obs_conn)
    wait_until(lambda: effects_idle(obs_conn), 10, "effects of earlier tests to end")
    ok(configure_obs(signed_in, obs_studio))
    kit = as_json(
        signed_in.run(
            "brand-kit",
            "create",
            "--name",
            "Test look",
            "--primary",
            KIT["primary"],
            "--text",
            KIT["text"],
            "--heading-font",
            KIT["font"],
            "--body-font",
            KIT["font"],
            "--base-size",
            str(KIT["size"]),
            "--json",
        )
    )
    ok(signed_in.run("brand-kit", "use", kit["id"]))
    session = as_json(signed_in.run("session", "start", "--platform", "twitch", "--json"))
    return Live(signed_in, obs_conn, session["id"])


# -- obs config / setup / status / scenes -------------------------------------------


def remove_streamfx(conn: ObsConnection) -> None:
    """Undo `streamfx obs setup` completely, as on an OBS that never saw StreamFX.

    The order matters in OBS 29: a scene still nested elsewhere keeps its
    name taken after RemoveScene, and removed inputs stay alive as long as
    a scene that is not shown holds them.
    """
    from streamfx_cli.obs import ObsRequestFailed

    def names(key: str, request: str) -> set[str]:
        return {i[f"{key}Name"] for i in conn.call(request)[f"{key}s"]}

    for name in names("input", "GetInputList") & set(STREAMFX_SOURCES):
        conn.call("RemoveInput", {"inputName": name})
    for scene in names("scene", "GetSceneList") - {SCENE}:
        for item in conn.call("GetSceneItemList", {"sceneName": scene})["sceneItems"]:
            if item["sourceName"] == SCENE:
                conn.call(
                    "RemoveSceneItem", {"sceneName": scene, "sceneItemId": item["sceneItemId"]}
                )
    if SCENE in names("scene", "GetSceneList"):
        conn.call("RemoveScene", {"sceneName": SCENE})

    def gone() -> bool:
        if names("input", "GetInputList") & set(STREAMFX_SOURCES):
            return False
        try:
            conn.call("GetSourceActive", {"sourceName": SCENE})
        except ObsRequestFailed:
            return True  # no source by that name any more: the name is free
        return False

    # OBS frees removed sources a moment after answering.
    wait_until(gone, 5, "the StreamFX scene and sources to go")


def test_obs_config_setup_status_and_scenes(
    file_cli: Cli, obs_studio: ObsStudio, obs_conn: ObsConnection
) -> None:
    build_stage(obs_conn)
    remove_streamfx(obs_conn)
    host, port, password = obs_studio.endpoint

    shown = ok(file_cli.run("obs", "config"))
    assert "ws://127.0.0.1:4455 (the default)" in shown and "Password: none" in shown

    saved = configure_obs(file_cli, obs_studio)
    out = ok(saved)
    assert f"ws://{host}:{port}" in out
    # No keyring on this "machine": the password falls back to a private file, as tokens do.
    assert "stored in" in saved.stderr and "readable only by you" in saved.stderr
    config = json.loads((file_cli.home / "config" / "config.json").read_text())
    assert config["obs"] == {"host": host, "port": port}
    assert password not in (file_cli.home / "config" / "config.json").read_text()
    secret = file_cli.home / "config" / "obs-password.json"
    assert secret.read_text() == password
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert as_json(file_cli.run("obs", "config", "--json")) == {
        "url": f"ws://{host}:{port}",
        "host": host,
        "port": port,
        "addressFrom": "config",
        "password": "file",
    }

    before = as_json(file_cli.run("obs", "status", "--json"))
    assert before["setupComplete"] is False
    assert "scene 'StreamFX'" in before["missing"]
    human = ok(file_cli.run("obs", "status"))
    assert "not set up" in human and "streamfx obs setup" in human

    first = ok(file_cli.run("obs", "setup"))
    assert "Created the 'StreamFX' scene." in first
    assert "StreamFX Text" in first and "StreamFX Flash" in first
    assert GAMEPLAY in first and BRB in first
    again = file_cli.run("obs", "setup", "--json")
    assert as_json(again)["changed"] is False
    assert "nothing changed" in ok(file_cli.run("obs", "setup"))
    for scene in (GAMEPLAY, BRB):
        items = obs_conn.call("GetSceneItemList", {"sceneName": scene})["sceneItems"]
        assert max(items, key=lambda i: i["sceneItemIndex"])["sourceName"] == SCENE

    info = as_json(file_cli.run("obs", "status", "--json"))
    assert info["setupComplete"] is True and info["missing"] == []
    assert re.match(r"^\d+\.\d+", info["obsVersion"]), info["obsVersion"]
    assert info["websocketVersion"].startswith("5.")
    assert info["programScene"] == GAMEPLAY
    assert {GAMEPLAY, BRB} <= set(info["nestedIn"])
    assert "StreamFX: set up" in ok(file_cli.run("obs", "status"))

    listed = ok(file_cli.run("obs", "scenes")).splitlines()
    assert f"* {GAMEPLAY}  [StreamFX]" in listed
    assert f"  {BRB}  [StreamFX]" in listed
    assert any(line.startswith(f"  {SCENE}") for line in listed)
    scenes = as_json(file_cli.run("obs", "scenes", "--json"))
    assert scenes["programScene"] == GAMEPLAY
    by_name = {s["name"]: s for s in scenes["scenes"]}
    assert by_name[GAMEPLAY]["program"] and by_name[GAMEPLAY]["hasStreamFX"]
    assert by_name[SCENE]["isStreamFX"]

    only = file_cli.run("obs", "setup", "--scene", "No such scene")
    assert only.returncode == 8 and "No such scene" in only.stderr


def test_obs_password_goes_to_the_keyring(keyring_cli: Cli, obs_studio: ObsStudio) -> None:
    password = obs_studio.endpoint.password
    saved = configure_obs(keyring_cli, obs_studio)
    assert "Password: saved in the system keyring" in ok(saved)
    assert "warning" not in saved.stderr
    assert not (keyring_cli.home / "config" / "obs-password.json").exists()
    assert password not in (keyring_cli.home / "config" / "config.json").read_text()
    # Read back from the keyring by a fresh process.
    assert as_json(keyring_cli.run("obs", "status", "--json"))["websocketVersion"].startswith("5.")
    forgotten = keyring_cli.run("obs", "config", "--no-password")
    assert "Password: none" in ok(forgotten)
    refused = keyring_cli.run("obs", "status")
    assert refused.returncode == 7 and "password" in refused.stderr


def test_obs_config_env_overrides(file_cli: Cli, obs_studio: ObsStudio) -> None:
    host, port, password = obs_studio.endpoint
    env = {"STREAMFX_OBS_URL": f"ws://{host}:{port}", "STREAMFX_OBS_PASSWORD": password}
    shown = as_json(file_cli.run("obs", "config", "--json", env=env))
    assert shown["addressFrom"] == "env" and shown["password"] == "env"
    assert shown["port"] == port
    # Nothing saved at all, yet the environment alone reaches OBS.
    assert as_json(file_cli.run("obs", "status", "--json", env=env))["websocketVersion"]
    bad = file_cli.run("obs", "status", env={"STREAMFX_OBS_URL": "wss://example.com"})
    assert bad.returncode == 7 and "STREAMFX_OBS_URL" in bad.stderr


# -- fire: each kind, as a viewer sees it -------------------------------------------


def orange_pixels(picture: Picture) -> int:
    # setup puts the banner's centre at 80 % of the height; only look there.
    band = range(picture.height // 2, picture.height)
    return picture.count(lambda p: near(p, (0xFF, 0x66, 0x00), tolerance=8), band)


def test_fire_banner_shows_the_text_in_the_brand_font_and_colour(live: Live) -> None:
    conn = live.conn
    started = time.monotonic()
    # Orange on the kit's teal primary is 1.4:1, which the banner refuses; on the kit's
    # background colour it is readable (tests/obs/test_banner.py has the refusal).
    fired = live.fire(
        "banner",
        "--param",
        "text=Hello chat",
        "--param",
        "background=background",
        "--param",
        f"durationMs={SHOW_MS}",
    )
    assert "Fired banner (text, 2s)" in ok(fired) and "shown in OBS" in fired.stdout
    assert len(fired.stdout.splitlines()) == 1

    wait_until(lambda: item_enabled(conn, TEXT), 1, "the banner to show")
    settings = conn.call("GetInputSettings", {"inputName": TEXT})["inputSettings"]
    assert settings["text"] == "Hello chat"
    assert settings["font"]["face"] == KIT["font"]
    # The kit's size is in px of a 1080-line picture; the test canvas has 360 lines.
    assert settings["font"]["size"] == round(KIT["size"] * 360 / 1080)
    assert settings["color1"] == settings["color2"] == obs_rgb((0xFF, 0x66, 0x00))
    assert wait_until(lambda: orange_pixels(shot(conn)), SHOT_S, "orange text on screen")

    wait_until(lambda: not item_enabled(conn, TEXT), SHOW_MS / 1000 + SLACK_S, "banner hidden")
    assert time.monotonic() - started > SHOW_MS / 1000 - 0.1
    wait_until(lambda: orange_pixels(shot(conn)) == 0, GONE_S, "the text to leave the picture")


def test_fire_flash_fills_the_picture_with_the_brand_primary(live: Live) -> None:
    conn = live.conn
    fired = live.fire("flash", "--param", "opacity=1", "--param", f"durationMs={SHOW_MS}", "--json")
    activation = as_json(fired)
    assert activation["obs"] == {"status": "shown"}
    assert activation["render"]["color"] == KIT["primary"]

    primary = (0x33, 0xCC, 0x99)
    picture = wait_for_centre(conn, primary, "the brand's primary colour in the program picture")
    assert near(picture.pixel(0, 0), primary, 0)
    assert near(picture.pixel(picture.width - 1, picture.height - 1), primary, 0)
    wait_until(lambda: not item_enabled(conn, FLASH), SHOW_MS / 1000 + SLACK_S, "flash hidden")
    wait_for_centre(conn, BACKDROP_RGB, "the backdrop again", GONE_S, tolerance=3)


def test_fire_uploaded_image_shows_the_cached_local_file(
    live: Live, server: Any, tmp_path: Path
) -> None:
    conn, cli = live.conn, live.cli
    rgb = (0x00, 0xCC, 0x44)
    image = tmp_path / "logo.png"
    image.write_bytes(encode_png(96, 64, rgb))
    set_tier(server, cli.email, "creator")  # type: ignore[attr-defined]
    effect = as_json(cli.upload_logo(image, "--duration", f"{SHOW_MS}ms", "--json"))

    activation = as_json(live.fire(effect["slug"], "--json"))
    assert activation["obs"] == {"status": "shown"}
    sha256 = activation["render"]["asset"]["sha256"]
    cached = cli.home / "cache" / "assets" / f"{sha256}.png"
    assert cached.read_bytes() == image.read_bytes()
    wait_until(lambda: item_enabled(conn, IMAGE), 1, "the image to show")
    used = conn.call("GetInputSettings", {"inputName": IMAGE})["inputSettings"]["file"]
    assert Path(used).is_absolute() and Path(used) == cached.resolve()
    wait_for_centre(conn, rgb, "the image's pixels on screen")
    wait_until(lambda: not item_enabled(conn, IMAGE), SHOW_MS / 1000 + SLACK_S, "image hidden")

    # Fired again: the cached copy is used, not downloaded once more.
    first = cached.stat()
    assert "shown in OBS" in ok(live.fire(effect["slug"], "--param", "durationMs=300"))
    assert (cached.stat().st_ino, cached.stat().st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    wait_until(lambda: effects_idle(conn), 0.3 + SLACK_S, "the image to hide")

    # The server's copy gets corrupted: the download does not match its hash,
    # so it is thrown away and nothing is shown; the trigger is still recorded.
    stored = server.data_dir / "assets" / f"{sha256}.png"
    original = stored.read_bytes()
    cached.unlink()
    triggered = live.metrics()["effectsTriggered"]
    try:
        stored.write_bytes(encode_png(96, 64, (0xFF, 0x00, 0x00)))
        bad = live.fire(effect["slug"])
    finally:
        stored.write_bytes(original)
    assert bad.returncode == 8, bad.stderr
    assert "does not match its checksum" in bad.stderr
    assert "Recorded logo" in bad.stdout and "not shown in OBS" in bad.stdout
    assert list((cli.home / "cache" / "assets").iterdir()) == []
    assert not item_enabled(conn, IMAGE)
    assert live.metrics()["effectsTriggered"] == triggered + 1


def picture_shifted(picture: Picture) -> bool:
    """The backdrop fills the canvas at rest: a dark edge means the picture moved."""
    w, h = picture.width, picture.height
    edges = [(0, h // 2), (w - 1, h // 2), (w // 2, 0), (w // 2, h - 1)]
    return any(not near(picture.pixel(x, y), BACKDROP_RGB, 6) for x, y in edges)


def test_fire_shake_moves_the_picture_then_restores_it_exactly(live: Live) -> None:
    conn = live.conn
    backdrop = item_transform(conn, GAMEPLAY, BACKDROP)
    nested = item_transform(conn, GAMEPLAY, SCENE)
    assert not picture_shifted(shot(conn))

    started = time.monotonic()
    fired = live.fire("shake", "--param", "amplitude=40", "--param", "durationMs=3000")
    assert "Fired shake (shake, 3s)" in ok(fired) and "shown in OBS" in fired.stdout
    # Looked at while the shake lasts (3 s from when the command sent it, before it
    # returned), however long starting the command took on a busy machine.
    seen = places_seen(conn, GAMEPLAY, BACKDROP, 3.0 - (time.monotonic() - started))
    assert len(seen) > 5, "the backdrop did not move"
    assert max(abs(x - backdrop["positionX"]) for x, _ in seen) > 5
    wait_until(lambda: picture_shifted(shot(conn)), 1.5, "the program picture to move")

    wait_until(
        lambda: item_transform(conn, GAMEPLAY, BACKDROP) == backdrop,
        3 + SLACK_S,
        "the backdrop back exactly where it was",
    )
    assert item_transform(conn, GAMEPLAY, SCENE) == nested
    assert not picture_shifted(shot(conn))


def test_fire_brb_switches_to_the_brb_scene_and_back(live: Live) -> None:
    conn = live.conn
    started = time.monotonic()
    fired = live.fire("brb", "--param", "returnAfterMs=1500")
    assert "shown in OBS" in ok(fired)
    wait_until(lambda: program_scene(conn) == BRB, 1, "the switch to BRB")
    wait_until(lambda: program_scene(conn) == GAMEPLAY, 1.5 + SLACK_S, "the switch back")
    assert time.monotonic() - started > 1.4


def test_overlay_only_and_no_obs_touch_nothing_in_obs(live: Live) -> None:
    # OBS "down" for these commands: they must not even try to connect.
    nowhere = {"STREAMFX_OBS_URL": f"ws://127.0.0.1:{free_port()}"}
    confetti = live.fire("confetti", env=nowhere)
    assert "Fired confetti (overlay" in ok(confetti) and "overlay page only" in confetti.stdout
    skipped = as_json(live.fire("sparkles", "--json", env=nowhere))
    assert skipped["obs"]["status"] == "skipped"
    recorded = live.fire("banner", "--no-obs", env=nowhere)
    assert "recorded only (--no-obs)" in ok(recorded)
    assert live.metrics()["byEffect"] == {"confetti": 1, "sparkles": 1, "banner": 1}
    assert not item_enabled(live.conn, TEXT)


# -- the process that fired is gone; OBS trouble -------------------------------------


def test_effects_end_on_time_even_if_the_cli_is_killed(live: Live) -> None:
    conn = live.conn
    backdrop = item_transform(conn, GAMEPLAY, BACKDROP)

    def fire_then_kill(*args: str, until: Any, what: str) -> None:
        proc = live.cli.popen("fire", *args)
        try:
            wait_until(until, 3, what)
            proc.kill()  # at once, whether or not it is still winding down
            proc.wait(5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    fire_then_kill(
        "flash",
        "--param",
        "durationMs=1500",
        "--param",
        "opacity=1",
        until=lambda: item_enabled(conn, FLASH),
        what="the flash to show",
    )
    fire_then_kill(
        "shake",
        "--param",
        "amplitude=30",
        "--param",
        "durationMs=1500",
        until=lambda: item_transform(conn, GAMEPLAY, BACKDROP) != backdrop,
        what="the shake to start",
    )
    wait_until(lambda: not item_enabled(conn, FLASH), 1.5 + SLACK_S, "the flash to hide")
    wait_until(
        lambda: item_transform(conn, GAMEPLAY, BACKDROP) == backdrop,
        1.5 + SLACK_S,
        "the backdrop back in place",
    )
    fire_then_kill(
        "brb",
        "--param",
        "returnAfterMs=1500",
        until=lambda: program_scene(conn) == BRB,
        what="the switch to BRB",
    )
    wait_until(lambda: program_scene(conn) == GAMEPLAY, 1.5 + SLACK_S, "the switch back")
    assert live.metrics()["effectsTriggered"] == 3


def test_obs_down_exits_7_fast_and_the_trigger_is_still_recorded(live: Live) -> None:
    nowhere = {"STREAMFX_OBS_URL": f"ws://127.0.0.1:{free_port()}"}
    started = time.monotonic()
    fired = live.fire("banner", env=nowhere)
    elapsed = time.monotonic() - started
    assert fired.returncode == 7, fired.stderr
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    assert "error: OBS is not reachable" in fired.stderr
    assert "STREAMFX_OBS_URL" in fired.stderr  # the hint says where it looked
    assert "Traceback" not in fired.stderr
    assert fired.stdout.startswith("Recorded banner") and "not shown in OBS" in fired.stdout

    as_script = live.fire("flash", "--json", env=nowhere)
    assert as_script.returncode == 7
    obs = json.loads(as_script.stdout)["obs"]
    assert obs["status"] == "failed" and "not reachable" in obs["reason"]

    metrics = live.metrics()
    assert metrics["effectsTriggered"] == 2
    assert metrics["byEffect"] == {"banner": 1, "flash": 1}


def test_wrong_obs_password_exits_7_and_says_so(live: Live, obs_studio: ObsStudio) -> None:
    by_env = live.fire("flash", env={"STREAMFX_OBS_PASSWORD": "not-the-password"})
    assert by_env.returncode == 7
    assert "refused the WebSocket password" in by_env.stderr
    assert "STREAMFX_OBS_PASSWORD" in by_env.stderr
    assert "not shown in OBS" in by_env.stdout

    ok(live.cli.run("obs", "config", "--password-stdin", input="also-wrong\n"))
    saved = live.fire("flash")
    assert saved.returncode == 7
    assert "refused the WebSocket password" in saved.stderr
    assert "streamfx obs config --ask-password" in saved.stderr
    assert not item_enabled(live.conn, FLASH)
    assert live.metrics()["effectsTriggered"] == 2


def test_not_set_up_exits_8_and_points_to_obs_setup(live: Live) -> None:
    conn = live.conn
    conn.call("RemoveInput", {"inputName": TEXT})
    wait_until(
        lambda: TEXT not in {i["inputName"] for i in conn.call("GetInputList")["inputs"]},
        5,
        "the text source to go",
    )
    fired = live.fire("banner", "--param", "text=Nobody sees this")
    assert fired.returncode == 8, fired.stderr
    assert "streamfx obs setup" in fired.stderr
    assert "not shown in OBS" in fired.stdout
    assert live.metrics()["effectsTriggered"] == 1

    repaired = ok(live.cli.run("obs", "setup"))
    assert "StreamFX Text" in repaired
    fired = live.fire("banner", "--param", "text=Back again", "--param", "durationMs=500")
    assert "shown in OBS" in ok(fired)
    wait_until(lambda: item_enabled(conn, TEXT), 1, "the banner to show")
    assert conn.call("GetInputSettings", {"inputName": TEXT})["inputSettings"]["text"] == (
        "Back again"
    )
    wait_until(lambda: not item_enabled(conn, TEXT), 0.5 + SLACK_S, "the banner to hide")


def test_obs_restarted_between_two_fires_both_show(
    live: Live, obs_studio: ObsStudio, obs_restart: Any
) -> None:
    live.conn.close()  # the fixture's connection dies with this OBS

    def flash(rgb: tuple[int, int, int]) -> None:
        color = "#{:02X}{:02X}{:02X}".format(*rgb)
        fired = live.fire(
            "flash",
            "--param",
            f"color={color}",
            "--param",
            "opacity=1",
            "--param",
            f"durationMs={SHOW_MS}",
        )
        assert "shown in OBS" in ok(fired)
        with obs_studio.connect() as conn:
            wait_for_centre(conn, rgb, f"{color} on screen")
            wait_until(
                lambda: not item_enabled(conn, FLASH), SHOW_MS / 1000 + SLACK_S, "flash hidden"
            )

    flash((0x00, 0x00, 0xFF))
    obs_restart()
    flash((0x00, 0xFF, 0x00))
    assert live.metrics()["effectsTriggered"] == 2


def imported_modules(cli: Cli, *args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "streamfx_cli", *args],
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {
        line.rsplit("|", 1)[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }


BRIDGE = ("streamfx_cli.obs", "obsws_python", "websocket")


def test_fire_imports_the_obs_bridge_only_to_draw(live: Live) -> None:
    for args in (("fire", "--help"), ("fire", "banner", "--no-obs"), ("fire", "confetti")):
        loaded = imported_modules(live.cli, *args)
        assert not {m for m in loaded if m.startswith(BRIDGE)}, args
    assert any(m.startswith(BRIDGE) for m in imported_modules(live.cli, "fire", "flash"))


# The pool is seen full within POOL_FULL_S of the hogs starting, and `fire` may take up to
# 3 s (asserted below) after that: the hogs hold every thread for longer than both, so
# `fire` never meets a pool that is full only for part of its run, however slowly the
# hogs' requests or the command start on a busy machine.
POOL_FULL_S = 3.0
HOG_MS = int((POOL_FULL_S + 3.0 + 1.0) * 1000)


def test_busy_obs_never_hangs_the_cli(live: Live, obs_studio: ObsStudio) -> None:
    """obs-websocket runs every message on a pool of one thread per CPU core, and
    each timed effect holds one until it ends: with all of them taken, `fire`
    still answers at once and says why."""
    import threading

    from streamfx_cli.obs.connection import sleep_ms

    hogs = [obs_studio.connect() for _ in range(os.cpu_count() or 2)]
    workers = [
        threading.Thread(target=conn.batch, args=(sleep_ms(HOG_MS),), daemon=True) for conn in hogs
    ]

    def pool_full() -> bool:
        # Letting a client in takes a pool thread: with none free, the connect times out.
        try:
            obs_studio.connect(timeout=0.5).close()
        except ObsUnavailable:
            return True
        return False

    try:
        for worker in workers:
            worker.start()
        wait_until(pool_full, POOL_FULL_S, "every thread of the pool to be sleeping", every=0.1)
        started = time.monotonic()
        fired = live.fire("flash", "--param", "opacity=1")
        elapsed = time.monotonic() - started
        assert fired.returncode == 7, fired.stderr
        assert elapsed < 3.0, f"took {elapsed:.2f} s"
        assert "busy" in fired.stderr and "not shown in OBS" in fired.stdout
    finally:
        for worker in workers:
            worker.join(15)
        for conn in hogs:
            conn.close()
    assert "shown in OBS" in ok(live.fire("flash", "--param", "durationMs=300"))
    assert live.metrics()["effectsTriggered"] == 2


# -- streamfx stop, no agent (through an agent: tests/agent/test_agent.py) ----------


def test_stop_ends_an_effect_now_and_its_late_batch_changes_nothing(live: Live) -> None:
    """`fire` times its effects inside OBS, one sleeping batch each (and obs-websocket
    has one worker thread per core), so these run one at a time."""
    conn = live.conn
    before = layout(conn)
    ok(live.fire("banner", "--param", "durationMs=5000", "--param", "text=stop me"))
    wait_until(lambda: item_enabled(conn, TEXT), 2, "the banner")
    stopped = live.cli.run("stop", "banner", "--json")
    assert stopped.returncode == 0, stopped.stderr
    assert as_json(stopped) == {"stopped": ["text"], "by": "obs"}
    assert not item_enabled(conn, TEXT)
    assert layout(conn) == before
    time.sleep(5 + SLACK_S)  # the banner's own batch wakes up and hides it again
    assert layout(conn) == before

    ok(live.fire("brb", "--param", "returnAfterMs=5000"))
    wait_until(lambda: program_scene(conn) == BRB, 2, "the BRB scene")
    everything = live.cli.run("stop", "--all")
    assert everything.returncode == 0, everything.stderr
    assert "scene" in everything.stdout and "OBS is as it was before" in everything.stdout
    assert program_scene(conn) == GAMEPLAY
    assert layout(conn) == before
    time.sleep(5 + SLACK_S)  # its switch back lands on the scene it is already on
    assert layout(conn) == before


def test_stop_needs_an_effect_or_all_and_says_when_nothing_runs(live: Live) -> None:
    neither = live.cli.run("stop")
    assert neither.returncode != 0
    assert "Name one effect, or give --all." in neither.stderr
    assert "Traceback" not in neither.stderr
    idle = live.cli.run("stop", "--all")
    assert idle.returncode == 0, idle.stderr
    assert "Nothing was running." in idle.stdout
    unknown = live.cli.run("stop", "no-such-effect")
    assert unknown.returncode != 0 and "There is no effect 'no-such-effect'" in unknown.stderr


def test_a_missing_kit_font_is_said_everywhere_and_the_banner_still_shows(live: Live) -> None:
    missing, note = "No Such Font Sans", "font fallback: No Such Font Sans is not installed"
    (kit,) = as_json(live.cli.run("brand-kit", "list", "--json"))
    updated = live.cli.run("brand-kit", "update", kit["id"], "--heading-font", missing)
    assert f"heading {note}, using DejaVu Sans on this computer" in ok(updated)

    status = live.cli.run("obs", "status")
    assert f"Fonts of brand kit 'Test look': heading {note}, using DejaVu Sans" in ok(status)
    assert f"banners will not look as designed: {note}, using DejaVu Sans." in status.stderr
    fonts = as_json(live.cli.run("obs", "status", "--json"))["fonts"]
    assert fonts["error"] is None and fonts["fonts"][0] == {
        "role": "heading",
        "font": missing,
        "used": "DejaVu Sans",
        "installed": False,
        "checked": True,
        "note": f"{note}, using DejaVu Sans",
    }

    fired = as_json(live.fire("banner", "--param", "durationMs=600", "--json"))
    assert fired["obs"] == {"status": "shown", "reason": f"{note}, using DejaVu Sans"}
    assert fired["delivery"]["status"] == "shown"
    assert fired["delivery"]["reason"] == f"{note}, using DejaVu Sans"
    settings = live.conn.call("GetInputSettings", {"inputName": TEXT})["inputSettings"]
    assert settings["font"]["face"] == "DejaVu Sans"
    wait_until(lambda: effects_idle(live.conn), 0.6 + SLACK_S + 1, "the banner to end")
    human = live.fire("banner", "--param", "durationMs=300")
    assert f"; shown in OBS ({note}, using DejaVu Sans)." in ok(human)
