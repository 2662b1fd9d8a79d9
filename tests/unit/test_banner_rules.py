"""The banner's pure rules: WCAG contrast, its layout on the canvas, and fonts."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamfx_cli.obs import banner_layout
from streamfx_cli.obs.contrast import contrast_ratio, readable_text_color, relative_luminance
from streamfx_cli.obs.fonts import (
    FontChoice,
    choose,
    file_families,
    folder_families,
    registry_families,
)
from streamfx_wire.vocabulary import DEFAULT_PALETTE

# -- contrast -----------------------------------------------------------------------


def test_luminance_and_ratio_match_wcag() -> None:
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#FFFFFF") == pytest.approx(1)
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1)
    # WCAG's own example pair: #777777 on white is 4.48:1, just failing AA.
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#7B2FF7", "#FFFFFF") == contrast_ratio("#FFFFFF", "#7B2FF7")


def test_a_passing_pair_is_kept() -> None:
    palette = DEFAULT_PALETTE.values()
    assert readable_text_color("#FFFFFF", "#7B2FF7", palette) == "#FFFFFF"


def test_a_failing_pair_takes_the_palette_colour_that_passes_best() -> None:
    palette = ["#7B2FF7", "#F107A3", "#FFD166", "#0B0B0F", "#FFFFFF"]
    # White on the accent yellow is 1.5:1; the dark background passes best.
    chosen = readable_text_color("#FFFFFF", "#FFD166", palette)
    assert chosen == "#0B0B0F"
    assert contrast_ratio(chosen, "#FFD166") >= 4.5
    # Orange on purple (2:1): white is the palette's best.
    assert readable_text_color("#FF6600", "#7B2FF7", palette) == "#FFFFFF"


def test_no_passing_palette_colour_falls_back_to_black_or_white() -> None:
    grey = "#777777"
    assert readable_text_color("#888888", grey, ["#808080", "#707070"]) == "#000000"
    assert readable_text_color("#222222", "#303030", []) == "#FFFFFF"
    for background in ("#767676", "#777777", "#7F7F7F", "#FF0000", "#00FF00", "#0000FF"):
        assert contrast_ratio(readable_text_color(background, background), background) >= 4.5


def test_a_bad_colour_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="RRGGBB"):
        contrast_ratio("orange", "#FFFFFF")


# -- layout -------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720), (640, 360), (1080, 1920)])
def test_the_bar_stays_on_the_canvas_in_the_lower_third(width: int, height: int) -> None:
    where = banner_layout.home(width, height)
    for text_w, text_h in ((10, 10), (400, 50), (50_000, 40), (300, 50_000)):
        size = banner_layout.fitted(where, text_w, text_h)
        assert size.bar_width <= width * banner_layout.MAX_WIDTH_SHARE + 1
        assert size.text_width <= where.max_text_width + 1e-6
        assert size.text_height <= where.max_text_height + 1e-6
        top = where.bar_bottom - size.bar_height
        assert top >= 0 and where.bar_bottom + where.stripe <= height
        assert where.bar_bottom > height * 2 / 3
        assert size.stripe_width == size.bar_width
        assert size.stripe_height == where.stripe  # a band right under the bar


def test_places_depend_on_the_canvas_only() -> None:
    where = banner_layout.home(1920, 1080)
    assert where.text_transform()["positionX"] == where.bar_transform()["positionX"] == 960
    assert where.text_transform()["positionY"] == where.bar_bottom - where.pad_y
    assert where.stripe_transform()["positionY"] == where.bar_bottom + where.stripe
    assert banner_layout.font_px(48, 1080) == 48
    assert banner_layout.font_px(48, 360) == 16
    assert banner_layout.font_px(10, 360) == banner_layout.MIN_FONT_PX


# -- fonts --------------------------------------------------------------------------


def test_an_installed_font_is_used_as_is() -> None:
    choice = choose("Inter", match=lambda _f: ["Inter"])
    assert choice == FontChoice("Inter", "Inter") and choice.note is None


def test_a_missing_font_falls_back_and_says_so() -> None:
    choice = choose("Inter", match=lambda _f: ["DejaVu Sans"])
    assert choice.fallback
    assert choice.note == "font fallback: Inter is not installed, using DejaVu Sans"
    # The kit's other font comes first when it is installed.
    answers = {"Inter": ["DejaVu Sans"], "Lato": ["Lato"]}
    assert choose("Inter", ["Lato"], match=answers.__getitem__).used == "Lato"


def test_without_fontconfig_the_font_folders_decide() -> None:
    have = frozenset({"arial", "dejavu sans"})
    assert choose("Inter", match=lambda _f: None, installed=lambda: have).used == "Arial"
    assert choose("arial", match=lambda _f: None, installed=lambda: have).fallback is False
    nothing = choose("Inter", match=lambda _f: None, installed=lambda: frozenset())
    assert nothing.used == "Sans Serif" and nothing.fallback
    unknown = choose("Inter", match=lambda _f: None, installed=lambda: None)
    assert unknown.used == "Inter" and not unknown.fallback and unknown.note is None


def test_windows_registry_names_give_families() -> None:
    names = [
        "Inter Bold (TrueType)",
        "Arial (TrueType)",
        "Cambria & Cambria Math (TrueType)",
        "Segoe UI Semibold Italic (TrueType)",
    ]
    assert registry_families(names) == {"Inter", "Arial", "Cambria", "Cambria Math", "Segoe UI"}


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@pytest.mark.skipif(not DEJAVU.is_dir(), reason="DejaVu fonts are not installed here")
def test_font_files_name_their_families(tmp_path: Path) -> None:
    assert "DejaVu Sans" in file_families(DEJAVU / "DejaVuSans-Bold.ttf")
    (tmp_path / "not-a-font.ttf").write_bytes(b"hello")
    assert file_families(tmp_path / "not-a-font.ttf") == set()
    assert {"DejaVu Sans", "DejaVu Serif"} <= (folder_families([DEJAVU]) or set())
    assert folder_families([tmp_path / "nowhere"]) is None
