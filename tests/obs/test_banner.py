"""The banner (kind `text`) in a real OBS: a bar in the background colour, an accent
stripe under it and readable text on it, in the lower third, never off the canvas,
and nothing left behind (docs/EFFECTS.md "Banner in OBS").

Pixels are read from the program picture; each look is also saved under
test-artifacts/ for a person to judge.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from streamfx_cli.obs import ObsConnection, ObsNotSetUp, preview
from streamfx_cli.obs.banner_layout import home
from streamfx_cli.obs.connection import ExecutionType
from streamfx_cli.obs.contrast import contrast_ratio
from streamfx_cli.obs.draw import draw, end_now, obs_color, plan, start_now
from streamfx_cli.obs.setup import (
    BANNER_BAR,
    BANNER_STRIPE,
    FADE,
    PREVIEW,
    SCENE,
    SOURCE_ORDER,
    TEXT,
    setup,
    status,
)
from tests.support.obs_studio import (
    BACKDROP,
    BACKDROP_RGB,
    CANVAS,
    Picture,
    effects_idle,
    fade_opacity,
    first_frames,
    hex_rgb,
    item_enabled,
    item_id,
    item_transform,
    near,
    obs_rgb,
    save_screenshot,
    take_screenshot,
)
from tests.support.waiting import wait_until

SHOW_MS = 2500
SLACK_S = 1.0
BANNER = (SCENE, (BANNER_STRIPE, BANNER_BAR, TEXT))
KIT = {
    "primary": "#7B2FF7",
    "secondary": "#F107A3",
    "accent": "#FFD166",
    "background": "#0B0B0F",
    "text": "#FFFFFF",
}


def banner_render(text: str, **fields: Any) -> dict[str, Any]:
    colors = {**KIT, **fields.pop("colors", {})}
    return {
        "kind": "text",
        "effect": {"id": "fx_banner", "slug": "banner", "name": "Banner", "category": "text"},
        "durationMs": SHOW_MS,
        "colors": colors,
        "font": {"heading": "DejaVu Sans", "body": "DejaVu Sans", "size": 48},
        "motionIntensity": 3,
        "text": text,
        "color": colors["text"],
        "background": colors["primary"],
        **fields,
    }


def input_names(conn: ObsConnection) -> set[str]:
    return {i["inputName"] for i in conn.call("GetInputList")["inputs"]}


def banner_shown(conn: ObsConnection) -> bool:
    return all(item_enabled(conn, s) for s in BANNER[1])


def banner_gone(conn: ObsConnection) -> bool:
    return not any(item_enabled(conn, s) for s in BANNER[1])


def bar_box(conn: ObsConnection) -> tuple[int, int, int, int]:
    """The bar on the canvas: left, top, right, bottom (exclusive)."""
    size = conn.call("GetInputSettings", {"inputName": BANNER_BAR})["inputSettings"]
    where = item_transform(conn, SCENE, BANNER_BAR)
    w, h = int(size["width"]), int(size["height"])
    cx, bottom = float(str(where["positionX"])), float(str(where["positionY"]))
    return round(cx - w / 2), round(bottom - h), round(cx + w / 2), round(bottom)


def pixels_in(picture: Picture, box: tuple[int, int, int, int], want: tuple[int, int, int]) -> int:
    left, top, right, bottom = box
    return sum(
        1
        for y in range(max(0, top), min(picture.height, bottom))
        for x in range(max(0, left), min(picture.width, right))
        if near(picture.pixel(x, y), want, 8)
    )


def banner_at_rest(conn: ObsConnection) -> bool:
    """The banner has come in: shown, every item opaque and at its place (banner_layout)."""
    where = home(*CANVAS)
    places = {
        BANNER_BAR: where.bar_transform(),
        BANNER_STRIPE: where.stripe_transform(),
        TEXT: where.text_transform(),
    }
    return banner_shown(conn) and all(
        fade_opacity(conn, source) == 1.0
        and item_transform(conn, SCENE, source)["positionY"] == rest["positionY"]
        for source, rest in places.items()
    )


def shot_with_banner(conn: ObsConnection, colour: tuple[int, int, int]) -> Picture:
    """A program picture in which the bar shows in `colour`, once it has come in."""
    wait_until(lambda: banner_at_rest(conn), 2.0, "the banner to come in")

    def look() -> Picture | None:
        picture = take_screenshot(conn)
        left, top, _, _ = bar_box(conn)
        return picture if near(picture.pixel(left + 2, top + 2), colour, 3) else None

    return wait_until(look, 2.0, "the banner's bar in the program picture")


def placement(conn: ObsConnection) -> list[dict[str, Any]]:
    """The StreamFX scene's items as a viewer could tell them apart: on or off, order,
    place, alignment, scale, bounds (not the sizes of hidden sources' content)."""
    content = {"width", "height", "sourceWidth", "sourceHeight"}
    return [
        {
            **{k: v for k, v in item.items() if k != "sceneItemTransform"},
            "transform": {k: v for k, v in item["sceneItemTransform"].items() if k not in content},
        }
        for item in conn.call("GetSceneItemList", {"sceneName": SCENE})["sceneItems"]
    ]


def test_banner_bar_stripe_and_text_then_exactly_as_before(stage: ObsConnection) -> None:
    conn = stage
    before = placement(conn)
    render = banner_render("Thanks for the follow!")
    started = time.monotonic()
    assert draw(conn, render) is True
    wait_until(lambda: banner_shown(conn), 1, "the banner to show")

    purple, yellow, white = hex_rgb(KIT["primary"]), hex_rgb(KIT["accent"]), (255, 255, 255)
    picture = shot_with_banner(conn, purple)
    save_screenshot(conn, "banner-over-gameplay")
    left, top, right, bottom = bar_box(conn)
    width, height = CANVAS
    # In the lower third, centred, inside the canvas.
    assert 0 < left < right < width and height * 2 / 3 < top < bottom < height
    assert abs((left + right) / 2 - width / 2) <= 1
    # The bar's colour at its corners, the accent stripe under it, backdrop around it.
    for x, y in ((left + 1, top + 1), (right - 2, top + 1), (left + 1, bottom - 2)):
        assert near(picture.pixel(x, y), purple), (x, y, picture.pixel(x, y))
    stripe = home(width, height).stripe
    for x in (left + 1, (left + right) // 2, right - 2):
        assert near(picture.pixel(x, bottom + stripe // 2), yellow), picture.pixel(x, bottom + 1)
    assert near(picture.pixel(left - 3, (top + bottom) // 2), BACKDROP_RGB)
    assert near(picture.pixel((left + right) // 2, top - 3), BACKDROP_RGB)
    assert near(picture.pixel((left + right) // 2, bottom + stripe + 2), BACKDROP_RGB)
    # White text on the bar, bold and in the kit's heading font.
    assert pixels_in(picture, (left, top, right, bottom), white) > 150
    settings = conn.call("GetInputSettings", {"inputName": TEXT})["inputSettings"]
    assert settings["font"]["face"] == "DejaVu Sans"
    assert settings["font"]["size"] == 16  # 48 px at 1080 lines, on a 360-line canvas
    assert settings["color1"] == settings["color2"] == obs_color("#FFFFFF")

    wait_until(lambda: banner_gone(conn), SHOW_MS / 1000 + SLACK_S, "the banner to go")
    assert time.monotonic() - started > SHOW_MS / 1000 - 0.1
    wait_until(
        lambda: pixels_in(take_screenshot(conn), (left, top, right, bottom + stripe), purple) == 0,
        2,
        "the banner to leave the picture",
    )
    assert placement(conn) == before, "every StreamFX item is where and as it was"
    assert all(fade_opacity(conn, s) == 1.0 for s in BANNER[1]), "every fade back at rest"


def test_unreadable_kit_pair_falls_back_to_a_palette_colour(stage: ObsConnection) -> None:
    conn = stage
    # White text on a pale yellow bar is 1.5:1; the kit's dark background passes.
    pale = {"primary": "#FFE08A", "text": "#FFFFFF", "background": "#14141A"}
    assert contrast_ratio(pale["text"], pale["primary"]) < 4.5
    draw(conn, banner_render("Readable on any scene", colors=pale))
    wait_until(lambda: banner_shown(conn), 1, "the banner to show")
    settings = conn.call("GetInputSettings", {"inputName": TEXT})["inputSettings"]
    assert settings["color1"] == obs_color(pale["background"])
    picture = shot_with_banner(conn, hex_rgb(pale["primary"]))
    save_screenshot(conn, "banner-contrast-fallback")
    box = bar_box(conn)
    assert pixels_in(picture, box, hex_rgb(pale["background"])) > 150
    assert pixels_in(picture, box, (255, 255, 255)) == 0
    wait_until(lambda: banner_gone(conn), SHOW_MS / 1000 + SLACK_S, "the banner to go")


def test_long_text_wraps_and_stays_on_the_canvas(stage: ObsConnection) -> None:
    conn = stage
    words = "Huge thanks to everyone who raided tonight, you are all wonderful! "
    draw(conn, banner_render(words * 12))
    picture = shot_with_banner(conn, hex_rgb(KIT["primary"]))
    save_screenshot(conn, "banner-long-text")
    width, height = (conn.call("GetVideoSettings")[k] for k in ("baseWidth", "baseHeight"))
    settings = conn.call("GetInputSettings", {"inputName": TEXT})["inputSettings"]
    assert settings["word_wrap"] is True and 0 < settings["custom_width"] < width

    # The text's item: its bounds box (which it is shrunk into) lies inside the canvas.
    text = item_transform(conn, SCENE, TEXT)
    bounds_w, bounds_h = float(str(text["boundsWidth"])), float(str(text["boundsHeight"]))
    x, y = float(str(text["positionX"])), float(str(text["positionY"]))
    assert text["boundsType"] == "OBS_BOUNDS_MAX_ONLY"
    assert x - bounds_w / 2 >= 0 and x + bounds_w / 2 <= width
    assert y - bounds_h >= 0 and y <= height
    left, top, right, bottom = bar_box(conn)
    assert left >= 0 and right <= width and top >= 0 and bottom <= height

    # The canvas's edges stay the backdrop, in the banner's rows too.
    for y_ in range(0, height, 6):
        for x_ in (0, 1, width - 2, width - 1):
            assert near(picture.pixel(x_, y_), BACKDROP_RGB), (x_, y_, picture.pixel(x_, y_))
    for x_ in range(0, width, 6):
        assert near(picture.pixel(x_, 0), BACKDROP_RGB)
        assert near(picture.pixel(x_, height - 1), BACKDROP_RGB)
    # Text was drawn inside the bar, and none outside it.
    assert pixels_in(picture, (left, top, right, bottom), (255, 255, 255)) > 500
    assert pixels_in(picture, (0, 0, width, top - 1), (255, 255, 255)) == 0
    wait_until(lambda: banner_gone(conn), SHOW_MS / 1000 + SLACK_S, "the banner to go")


def test_banner_over_a_light_scene(stage: ObsConnection) -> None:
    conn = stage
    light = (0xE8, 0xE8, 0xE8)
    conn.call(
        "SetInputSettings", {"inputName": BACKDROP, "inputSettings": {"color": obs_rgb(light)}}
    )
    try:
        draw(conn, banner_render("Thanks for the follow!"))
        wait_until(lambda: banner_shown(conn), 1, "the banner to show")
        picture = shot_with_banner(conn, hex_rgb(KIT["primary"]))
        save_screenshot(conn, "banner-over-light-scene")
        box = bar_box(conn)
        assert pixels_in(picture, box, (255, 255, 255)) > 150
        assert near(picture.pixel(box[0] - 3, box[1] + 2), light)
        wait_until(lambda: banner_gone(conn), SHOW_MS / 1000 + SLACK_S, "the banner to go")
    finally:
        conn.call(
            "SetInputSettings",
            {"inputName": BACKDROP, "inputSettings": {"color": obs_rgb(BACKDROP_RGB)}},
        )


def test_a_missing_kit_font_is_drawn_in_a_fallback_and_said(stage: ObsConnection) -> None:
    conn = stage
    render = banner_render("Fonts never fail silently")
    render["font"] = {"heading": "No Such Font Sans", "body": "DejaVu Serif", "size": 48}
    drawing = plan(conn, render)
    assert drawing is not None
    assert drawing.notes == (
        "font fallback: No Such Font Sans is not installed, using DejaVu Serif",
    )
    settings = conn.call("GetInputSettings", {"inputName": TEXT})["inputSettings"]
    assert settings["font"]["face"] == "DejaVu Serif"


def test_setup_upgrades_a_scene_from_before_the_banner(stage: ObsConnection) -> None:
    conn = stage
    # What an older `streamfx obs setup` made: no bar, no stripe, the text at 80 %.
    for source in (BANNER_BAR, BANNER_STRIPE):
        conn.call("RemoveInput", {"inputName": source})
    text_id = item_id(conn, SCENE, TEXT)
    conn.call(
        "SetSceneItemTransform",
        {
            "sceneName": SCENE,
            "sceneItemId": text_id,
            "sceneItemTransform": {"alignment": 0, "positionX": 320.0, "positionY": 288.0},
        },
    )
    # OBS lets go of a removed input when nothing holds it any more: wait for both.
    wait_until(
        lambda: not {BANNER_BAR, BANNER_STRIPE} & input_names(conn), 5, "the bar and stripe to go"
    )
    assert not status(conn).setup_complete
    assert f"source {BANNER_BAR!r}" in status(conn).missing
    with pytest.raises(ObsNotSetUp):
        draw(conn, banner_render("hi"))

    result = setup(conn)
    assert result.created_sources == [BANNER_STRIPE, BANNER_BAR]
    assert result.reordered and result.placed == [TEXT]
    items = sorted(
        conn.call("GetSceneItemList", {"sceneName": SCENE})["sceneItems"],
        key=lambda i: i["sceneItemIndex"],
    )
    assert [i["sourceName"] for i in items] == list(SOURCE_ORDER)
    assert not any(i["sceneItemEnabled"] for i in items)
    assert not setup(conn).changed
    assert status(conn).setup_complete

    draw(conn, banner_render("Upgraded", durationMs=600))
    wait_until(lambda: banner_shown(conn), 1, "the banner to show")
    wait_until(lambda: banner_gone(conn), 0.6 + SLACK_S, "the banner to go")


def test_banner_enters_in_frames_and_end_alone_puts_everything_back(stage: ObsConnection) -> None:
    drawing = plan(stage, banner_render("plan"))
    assert drawing is not None
    # One SerialFrame batch: the first frame hides it (opacity 0) before turning it on.
    kinds = [r["requestType"] for r in drawing.start]
    assert kinds.index("SetSourceFilterSettings") < kinds.index("SetSceneItemEnabled")
    assert kinds.count("Sleep") >= 2 and drawing.back and drawing.settle_ms > 0
    # The end (a stop, a replace) hides and puts fades and places back; twice is harmless.
    start_now(stage, drawing)
    wait_until(lambda: banner_shown(stage), 1, "the banner to show")
    time.sleep(drawing.settle_ms / 1000 + 0.1)
    for _ in range(2):
        end_now(stage, drawing.end)
    assert banner_gone(stage)
    wait_until(lambda: effects_idle(stage), 1, "every fade and place back at rest")


def bar_rows(picture: Picture, x: int) -> list[int]:
    """The rows of column `x` (lower half) where something is drawn over the backdrop."""
    return [
        y
        for y in range(picture.height // 2, picture.height)
        if not near(picture.pixel(x, y), BACKDROP_RGB, 6)
    ]


def opacity_seen(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> float:
    """How opaque `colour` looks in `pixel` over the backdrop (0: not there, 1: solid),
    from the channels where the two differ most."""
    pairs = sorted(
        zip(pixel[:3], colour, BACKDROP_RGB, strict=True), key=lambda c: -abs(c[1] - c[2])
    )
    return sum((seen - under) / (want - under) for seen, want, under in pairs[:2]) / 2


def test_banner_slides_in_fading_and_leaves_fading_frame_by_frame(stage: ObsConnection) -> None:
    """Frames of a bold kit's banner (motion 5), each held in OBS to look at: it rises
    from below, part-transparent, to its place, and fades out sinking."""
    conn = stage
    drawing = plan(conn, banner_render("Frames of a banner in motion", motionIntensity=5))
    assert drawing is not None
    purple = hex_rgb(KIT["primary"])
    x = CANVAS[0] // 2 - 60  # through the bar, clear of the text
    try:
        # The first frame, sent with turning the items on, is already a step of the way.
        conn.batch(first_frames(drawing.start, 1), execution_type=ExecutionType.SERIAL_FRAME)
        assert banner_shown(conn)
        rising = take_screenshot(conn)
        save_screenshot(conn, "banner-frame-rising")
        conn.batch(drawing.start, execution_type=ExecutionType.SERIAL_FRAME)
        assert banner_at_rest(conn)
        rest = take_screenshot(conn)
        save_screenshot(conn, "banner-frame-at-rest")
        rising_rows, rest_rows = bar_rows(rising, x), bar_rows(rest, x)
        assert rising_rows and rest_rows
        assert rising_rows[0] > rest_rows[0] + 5, "rising from below its place"
        inside = rest_rows[len(rest_rows) // 3]
        assert near(rest.pixel(x, inside), purple)
        middle = rising.pixel(x, rising_rows[len(rising_rows) // 3])
        assert 0.15 < opacity_seen(middle, purple) < 0.9, ("part-transparent", middle)

        # Three quarters out: an exit speeds up (eased in), so most of the fade is late.
        late = max(1, sum(r["requestType"] == "Sleep" for r in drawing.back) * 3 // 4)
        conn.batch(first_frames(drawing.back, late), execution_type=ExecutionType.SERIAL_FRAME)
        leaving = take_screenshot(conn)
        save_screenshot(conn, "banner-frame-leaving")
        leaving_rows = bar_rows(leaving, x)
        assert leaving_rows and leaving_rows[0] > rest_rows[0], "sinking as it goes"
        faded = leaving.pixel(x, leaving_rows[len(leaving_rows) // 3])
        assert 0.1 < opacity_seen(faded, purple) < 0.9, ("fading", faded)
    finally:
        end_now(conn, drawing.end)
    assert banner_gone(conn) and effects_idle(conn)


def test_a_calm_kit_only_fades(stage: ObsConnection) -> None:
    """Motion 1: no travel at all, a quick fade in and out."""
    drawing = plan(stage, banner_render("Calm", motionIntensity=1))
    assert drawing is not None
    transforms = [r for r in drawing.start if r["requestType"] == "SetSceneItemTransform"]
    rest = home(*CANVAS)
    assert {r["requestData"]["sceneItemTransform"]["positionY"] for r in transforms} <= {
        rest.bar_transform()["positionY"],
        rest.stripe_transform()["positionY"],
        rest.text_transform()["positionY"],
    }
    assert 0 < drawing.settle_ms <= 450


def test_an_obs_set_up_before_motion_still_shows_the_banner_and_says_so(
    stage: ObsConnection,
) -> None:
    conn = stage
    for source in BANNER[1]:
        conn.call("RemoveSourceFilter", {"sourceName": source, "filterName": FADE})
    assert "the fade filter of 'StreamFX Text'" in status(conn).missing
    drawing = plan(conn, banner_render("Old"))
    assert drawing is not None and not drawing.back
    assert any("streamfx obs setup" in n for n in drawing.notes)

    result = setup(conn)
    assert sorted(result.faded) == sorted(BANNER[1]) and result.changed
    assert not setup(conn).changed and status(conn).setup_complete
    assert all(fade_opacity(conn, s) == 1.0 for s in BANNER[1])


def test_the_preview_stage_has_its_own_bar_and_stripe_even_from_before_the_banner(
    stage: ObsConnection,
) -> None:
    """`streamfx preview banner` shows the produced banner off air: on the private
    scene's own bar, stripe and text, never the StreamFX scene's (obs/preview.py)."""
    conn = stage
    preview.ensure_stage(conn)
    # A preview scene from before the banner: no bar, no stripe in it (their inputs
    # stay, as after a streamer deleted the items: they come back on top of the text).
    for source in (PREVIEW.bar, PREVIEW.stripe):
        conn.call(
            "RemoveSceneItem",
            {"sceneName": PREVIEW.scene, "sceneItemId": item_id(conn, PREVIEW.scene, source)},
        )
    preview.ensure_stage(conn)
    items = sorted(
        conn.call("GetSceneItemList", {"sceneName": PREVIEW.scene})["sceneItems"],
        key=lambda i: i["sceneItemIndex"],
    )
    assert [i["sourceName"] for i in items] == [
        preview.BACKDROP,
        *(PREVIEW.named(s) for s in SOURCE_ORDER),
    ]
    on_air = placement(conn)

    drawing = plan(conn, banner_render("Off air"), stage=PREVIEW)
    assert drawing is not None
    start_now(conn, drawing)
    try:
        wait_until(
            lambda: all(
                item_enabled(conn, s, PREVIEW.scene) for s in (PREVIEW.bar, PREVIEW.stripe)
            ),
            1,
            "the private banner to show",
        )
        assert item_enabled(conn, PREVIEW.text, PREVIEW.scene)
        assert placement(conn) == on_air  # the StreamFX scene is untouched

        def private_banner() -> Picture | None:
            picture = take_screenshot(conn, PREVIEW.scene)
            whole = (0, 0, picture.width, picture.height)
            return picture if pixels_in(picture, whole, hex_rgb(KIT["accent"])) > 100 else None

        shot = wait_until(private_banner, 2.0, "the private banner's stripe")
        save_screenshot(conn, "banner-preview-stage", PREVIEW.scene)
        bar = pixels_in(shot, (0, 0, shot.width, shot.height), hex_rgb(KIT["primary"]))
        assert bar > 1000, bar
    finally:
        time.sleep(drawing.settle_ms / 1000)  # its entrance's last frames
        end_now(conn, drawing.end)
    assert not any(
        item_enabled(conn, s, PREVIEW.scene) for s in (PREVIEW.text, PREVIEW.bar, PREVIEW.stripe)
    )
