"""`streamfx preview EFFECT -o sheet.png` end to end: the real command, the real server and
the session's real OBS Studio under Xvfb.

What a streamer would notice: while a preview draws, the program picture stays exactly
as it was (pixel for pixel) and the program scene never changes; the saved sheet has
the frames asked for, with the effect in them in the kit's colours; nothing is recorded
on the server; bad input gets one clear sentence and an exit code.
"""

# The `live` fixture is test_obs.py's, imported so these tests get the same stage.
# ruff: noqa: F811

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from streamfx_cli.obs import ObsConnection, ObsRequestFailed
from streamfx_cli.obs.setup import PREVIEW, PREVIEW_SCENE
from streamfx_wire.vocabulary import DEFAULT_PALETTE
from tests.cli.test_obs import KIT, Live, as_json, configure_obs, live, ok  # noqa: F401
from tests.overlay.conftest import CHROMIUM
from tests.support.accounts import set_tier
from tests.support.cli import Cli
from tests.support.live_server import free_port
from tests.support.obs_studio import (
    BACKDROP,
    GAMEPLAY,
    ObsStudio,
    Picture,
    decode_png,
    hex_rgb,
    item_enabled,
    item_transform,
    near,
    program_scene,
    take_screenshot,
)
from tests.support.waiting import wait_until
from tests.support.ws import live as ws_live
from tests.support.ws import recv, send

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "preview"
FRAME = (480, 270)  # obs/preview.py FRAME_WIDTH on the 640x360 test canvas
GAP = 6  # contact_sheet.GAP


def frame(sheet: Picture, index: int, count: int) -> Picture:
    """Frame `index` cut out of a sheet of `count` frames (up to 4 a row)."""
    w, h = FRAME
    columns = min(4, count)
    row, col = divmod(index, columns)
    x0, y0 = GAP + col * (w + GAP), GAP + row * (h + GAP)
    rows = [sheet.rgba[((y0 + y) * sheet.width + x0) * 4 :][: w * 4] for y in range(h)]
    return Picture(w, h, b"".join(rows))


def where(picture: Picture, rgb: tuple[int, int, int], tolerance: int = 8) -> list[tuple[int, int]]:
    """The (x, y) of every pixel of `picture` near `rgb`."""
    return [
        (x, y)
        for y in range(picture.height)
        for x in range(picture.width)
        if near(picture.pixel(x, y), rgb, tolerance)
    ]


def box(points: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) around `points`."""
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def keep(sheet: Path, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    kept = ARTIFACTS / name
    shutil.copyfile(sheet, kept)
    return kept


def watch_program_while(conn: ObsConnection, proc: subprocess.Popen, private_item: str) -> int:
    """Photograph the program output until `proc` ends; every picture must equal the first,
    and the program scene must stay. Returns how many were taken while the private
    item was showing (so the watch really overlapped the effect)."""
    before = take_screenshot(conn, width=320)
    scene = program_scene(conn)
    during = 0
    while proc.poll() is None:
        showing = private_showing(conn, private_item)
        picture = take_screenshot(conn, width=320)
        assert program_scene(conn) == scene, "a preview changed the program scene"
        assert picture.rgba == before.rgba, "the program picture changed during a preview"
        during += showing and private_showing(conn, private_item)
    return during


def private_showing(conn: ObsConnection, source: str) -> bool:
    try:
        return item_enabled(conn, source, PREVIEW_SCENE)
    except ObsRequestFailed:
        return False  # the preview has not made its scene yet


def finished(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    return proc.returncode, out, err


def test_a_banner_preview_never_reaches_the_program_output(live: Live, tmp_path: Path) -> None:
    conn = live.conn
    assert not conn.call("GetStudioModeEnabled")["studioModeEnabled"]
    sheet = tmp_path / "banner.png"
    proc = live.cli.popen(
        "preview",
        "banner",
        "-p",
        "text=PREVIEW",
        "-p",
        "durationMs=3000",
        "--frames",
        "4",
        "-o",
        str(sheet),
        "--json",
    )
    during = watch_program_while(conn, proc, PREVIEW.text)
    code, out, err = finished(proc)
    assert code == 0, err
    assert during >= 1, "the program was not photographed while the preview showed"
    answer = json.loads(out)
    assert (answer["effect"], answer["frames"], answer["drawnBy"]) == ("banner", 4, "obs")

    # The sheet: four frames in a row, each with the banner as it shows on air, over the
    # private backdrop: a bar in the kit's primary colour, its accent stripe under it,
    # and the text in the colour the contrast rule picks (the kit's orange on teal is
    # 1.4:1; the palette's darkest passes: docs/EFFECTS.md "Banner in OBS").
    kept = keep(sheet, "banner.png")
    picture = decode_png(kept.read_bytes())
    assert (picture.width, picture.height) == (4 * FRAME[0] + 5 * GAP, FRAME[1] + 2 * GAP)
    for i in range(4):
        shot = frame(picture, i, 4)
        assert near(shot.pixel(5, 5), hex_rgb("#24262E")), shot.pixel(5, 5)
        bar = where(shot, hex_rgb(KIT["primary"]))
        stripe = where(shot, hex_rgb(DEFAULT_PALETTE["accent"]))
        assert len(bar) > 500, f"frame {i} shows no banner bar ({len(bar)} pixels)"
        assert len(stripe) > 50, f"frame {i} shows no accent stripe ({len(stripe)} pixels)"
        left, top, right, bottom = box(bar)
        assert FRAME[1] * 2 // 3 < top, "the banner is not in the lower third"
        assert abs((left + right) / 2 - FRAME[0] / 2) < 3, "the banner is not centred"
        assert bottom < max(y for _, y in stripe), "the stripe is not under the bar"
        dark = hex_rgb(DEFAULT_PALETTE["background"])
        lettering = [
            (x, y) for x, y in where(shot, dark, 60) if left < x < right and top < y < bottom
        ]
        assert len(lettering) > 40, f"frame {i}: no readable text on the bar ({len(lettering)})"

    # Nothing was recorded, the private scene is nested nowhere, and it is hidden again.
    assert live.metrics()["effectsTriggered"] == 0
    for scene in (s["sceneName"] for s in conn.call("GetSceneList")["scenes"]):
        names = {
            i["sourceName"]
            for i in conn.call("GetSceneItemList", {"sceneName": scene})["sceneItems"]
        }
        assert PREVIEW_SCENE not in names, scene
    assert not item_enabled(conn, PREVIEW.text, PREVIEW_SCENE)
    assert program_scene(conn) == GAMEPLAY


def test_a_shake_and_a_kit_flash_stay_private(live: Live, server, tmp_path: Path) -> None:
    conn = live.conn
    backdrop_at = item_transform(conn, GAMEPLAY, BACKDROP)
    sheet = tmp_path / "shake.png"
    proc = live.cli.popen("preview", "shake", "-p", "durationMs=1500", "-n", "3", "-o", str(sheet))
    before = take_screenshot(conn, width=320)
    while proc.poll() is None:
        assert item_transform(conn, GAMEPLAY, BACKDROP) == backdrop_at
        assert take_screenshot(conn, width=320).rgba == before.rgba
    code, out, err = finished(proc)
    assert code == 0, err
    assert "Nothing went on air" in out
    # The private backdrop moved: some frame shows the checkerboard at an edge.
    shaken = decode_png(keep(sheet, "shake.png").read_bytes())
    slate = hex_rgb("#24262E")
    edges = [(x, y) for x in (0, FRAME[0] - 1) for y in range(0, FRAME[1], 9)] + [
        (x, y) for y in (0, FRAME[1] - 1) for x in range(0, FRAME[0], 9)
    ]
    moved = [
        i for i in range(3) if any(not near(frame(shaken, i, 3).pixel(*p), slate) for p in edges)
    ]
    assert moved, "no frame of the shake shows the backdrop moved"

    # A second kit, named by its name with --kit, colours a flash; the active kit is unused.
    set_tier(server, live.cli.email, "creator")  # type: ignore[attr-defined]  # two kits
    other = as_json(
        live.cli.run("brand-kit", "create", "--name", "Other", "--primary", "#2040E0", "--json")
    )
    flash = tmp_path / "flash.png"
    code = live.cli.run(
        "preview",
        "flash",
        "--kit",
        "Other",
        "-p",
        "opacity=1",
        "-n",
        "3",
        "-o",
        str(flash),
        "--json",
    )
    assert as_json(code)["brandKitId"] == other["id"]
    picture = decode_png(keep(flash, "flash.png").read_bytes())
    # In its full colour in the middle; fading in, then out, at either side (motion 3).
    middle = frame(picture, 1, 3).pixel(240, 135)
    assert near(middle, (0x20, 0x40, 0xE0), 2), middle
    sides = [frame(picture, i, 3).pixel(240, 135) for i in (0, 2)]
    # A busy machine may take a side frame late, at full colour; never both.
    assert not all(near(side, (0x20, 0x40, 0xE0), 8) for side in sides), sides
    assert any(side[2] - side[0] > 40 for side in sides), ("part-way, in the kit's blue", sides)
    assert live.metrics()["effectsTriggered"] == 0


def test_studio_mode_is_left_as_it_was(live: Live, tmp_path: Path) -> None:
    conn = live.conn
    conn.call("SetStudioModeEnabled", {"studioModeEnabled": True})
    try:
        wait_until(lambda: conn.call("GetStudioModeEnabled")["studioModeEnabled"], 5, "studio mode")
        studio_preview = conn.call("GetCurrentPreviewScene")["currentPreviewSceneName"]
        sheet = tmp_path / "flash.png"
        proc = live.cli.popen(
            "preview", "flash", "-p", "durationMs=1500", "-n", "2", "-o", str(sheet)
        )
        while proc.poll() is None:
            now = conn.call("GetCurrentPreviewScene")["currentPreviewSceneName"]
            assert now == studio_preview, "a preview changed studio mode's preview scene"
            assert program_scene(conn) == GAMEPLAY
        code, _, err = finished(proc)
        assert code == 0, err
        assert conn.call("GetStudioModeEnabled")["studioModeEnabled"]
    finally:
        conn.call("SetStudioModeEnabled", {"studioModeEnabled": False})


def one_sentence_error(result: subprocess.CompletedProcess, code: int, words: str) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert words in result.stderr, result.stderr
    return result.stderr


def test_bad_previews_say_why_and_write_nothing(
    live: Live, tmp_path: Path, obs_studio: ObsStudio
) -> None:
    sheet = tmp_path / "sheet.png"
    cli = live.cli
    one_sentence_error(cli.run("preview", "no-such-effect", "-o", str(sheet)), 5, "No effect")
    one_sentence_error(
        cli.run("preview", "flash", "-p", "opacity=7", "-o", str(sheet)),
        5,
        "Invalid --param opacity:",
    )
    one_sentence_error(
        cli.run("preview", "flash", "--kit", "No such kit", "-o", str(sheet)),
        5,
        'No brand kit "No such kit".',
    )
    one_sentence_error(
        cli.run("preview", "flash", "-o", str(tmp_path / "missing" / "x.png")),
        2,
        "does not exist",
    )
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    one_sentence_error(cli.run("preview", "flash", "-o", str(not_a_folder / "x.png")), 2, "folder")
    one_sentence_error(cli.run("preview", "flash", "-o", str(tmp_path)), 2, "is a folder")
    one_sentence_error(
        cli.run("preview", "confetti", "-o", str(sheet)), 2, "preview it with --overlay"
    )
    one_sentence_error(cli.run("preview", "flash", "-n", "0", "-o", str(sheet)), 2, "")
    # OBS is not where the CLI looks.
    host, _, password = obs_studio.endpoint
    cli.run(
        "obs",
        "config",
        "--host",
        host,
        "--port",
        str(free_port()),
        "--password-stdin",
        input=password + "\n",
    )
    one_sentence_error(cli.run("preview", "flash", "-o", str(sheet)), 7, "OBS")
    assert not sheet.exists()
    assert live.metrics()["effectsTriggered"] == 0
    assert configure_obs(cli, obs_studio).returncode == 0


def test_a_scene_effect_is_previewed_without_switching(live: Live, tmp_path: Path) -> None:
    sheet = tmp_path / "brb.png"
    result = live.cli.run("preview", "brb", "-n", "2", "-o", str(sheet))
    assert result.returncode == 0, result.stderr
    assert program_scene(live.conn) == GAMEPLAY
    assert decode_png(sheet.read_bytes()).width == 2 * FRAME[0] + 3 * GAP


# -- --overlay: the overlay page in headless Chromium ----------------------------------

OVERLAY_FRAME = (640, 360)  # overlay_frames.VIEWPORT


def overlay_frame(sheet: Picture, index: int, count: int) -> Picture:
    w, h = OVERLAY_FRAME
    columns = min(4, count)
    row, col = divmod(index, columns)
    x0, y0 = GAP + col * (w + GAP), GAP + row * (h + GAP)
    rows = [sheet.rgba[((y0 + y) * sheet.width + x0) * 4 :][: w * 4] for y in range(h)]
    return Picture(w, h, b"".join(rows))


def colourful(p: tuple[int, ...]) -> bool:
    """Not the grey checkerboard behind a transparent page."""
    return max(p[:3]) - min(p[:3]) > 40


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM}")
def test_an_overlay_preview_draws_privately_in_chromium(
    signed_in: Cli, server, tmp_path: Path
) -> None:
    # The creator's overlay key is on this machine (the page fetches files with it),
    # and their overlay page is connected: it must see nothing of the preview.
    ok(signed_in.run("overlay", "rotate"))
    key = parse_qs(urlsplit(ok(signed_in.run("overlay", "url")).strip()).query)["key"][0]
    with ws_live(server, key) as overlay_page:
        confetti = tmp_path / "confetti.png"
        done = signed_in.run(
            "preview",
            "confetti",
            "--overlay",
            "-n",
            "4",
            "-p",
            "particleCount=400",
            "-o",
            str(confetti),
            timeout=90,
        )
        assert done.returncode == 0, done.stderr
        assert "from the overlay page" in done.stdout
        send(overlay_page, {"type": "ping", "id": "probe"})
        assert recv(overlay_page) == {"type": "pong", "id": "probe"}

    picture = decode_png(keep(confetti, "confetti-overlay.png").read_bytes())
    assert picture.width == 4 * OVERLAY_FRAME[0] + 5 * GAP
    for i in (1, 2):
        flying = overlay_frame(picture, i, 4).count(colourful)
        assert flying > 300, f"frame {i} shows no confetti ({flying} coloured pixels)"

    banner = tmp_path / "banner.png"
    done = signed_in.run(
        "preview",
        "banner",
        "--overlay",
        "-n",
        "3",
        "-p",
        "text=Hello",
        "-p",
        "durationMs=2500",
        "-o",
        str(banner),
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    picture = decode_png(keep(banner, "banner-overlay.png").read_bytes())
    purple = hex_rgb("#7B2FF7")  # the default primary: the banner's background
    middle = overlay_frame(picture, 1, 3).count(lambda p: near(p, purple, 30))
    assert middle > 1000, f"the banner is not in the middle frame ({middle} px)"

    # OBS-only kinds say so.
    refused = signed_in.run("preview", "brb", "--overlay", "-o", str(tmp_path / "b.png"))
    one_sentence_error(refused, 2, "drawn in OBS only")

    # Without Playwright (it is not one of StreamFX's dependencies) --overlay says how to
    # get it.
    stub = tmp_path / "no-playwright" / "playwright"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ImportError('not installed')\n")
    missing = signed_in.run(
        "preview",
        "flash",
        "--overlay",
        "-o",
        str(tmp_path / "f.png"),
        env={"PYTHONPATH": str(stub.parent)},
    )
    words = one_sentence_error(missing, 1, "--overlay needs Playwright, which is not installed.")
    assert "pip install playwright" in words
    assert not (tmp_path / "f.png").exists()
