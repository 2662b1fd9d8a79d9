"""Render resolution (pure): properties over any brand and any valid parameters."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamfx_server.effect_params import ParamsError
from streamfx_server.render import Asset, Brand, Effect, resolve
from streamfx_wire.kinds import ASSET_KINDS, COMMON_FIELDS, KIND_SPECS, KINDS
from streamfx_wire.vocabulary import CATEGORIES, PALETTE_ROLES

HEX = re.compile(r"^#[0-9A-F]{6}$")
ROOT = Path(__file__).resolve().parents[2]

hex_colors = st.from_regex(r"\A#[0-9A-F]{6}\Z")
brands = st.builds(
    Brand,
    palette=st.fixed_dictionaries({role: hex_colors for role in PALETTE_ROLES}),
    heading_font=st.sampled_from(["Inter", "Bebas Neue", "Roboto Mono"]),
    body_font=st.sampled_from(["Inter", "Lato", "Fira Sans"]),
    base_size=st.integers(8, 200),
    motion_intensity=st.integers(1, 5),
)
color_refs = st.one_of(hex_colors, st.sampled_from(PALETTE_ROLES))
obs_names = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40
)
unit = st.floats(0, 1, allow_nan=False)
easings = st.sampled_from(["ease-in-out", "linear", "ease-in", "ease-out"])


def either(absolute: str, relative: str, values: st.SearchStrategy[float]) -> Any:
    """Neither, the absolute target or the relative one (never both: that is refused)."""
    return st.one_of(
        st.just({}), values.map(lambda v: {absolute: v}), values.map(lambda v: {relative: v})
    )


def merged(parts: tuple[dict[str, float], ...]) -> dict[str, float]:
    return {k: v for part in parts for k, v in part.items()}


positions = st.floats(-90_000, 90_000, allow_nan=False)
move_targets = st.tuples(
    either("x", "dx", positions),
    either("y", "dy", positions),
    either("scale", "scaleBy", st.floats(0.01, 20, allow_nan=False)),
    either("rotation", "rotateBy", st.floats(-3600, 3600, allow_nan=False)),
).map(merged)
VALID_PARAMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "text": st.fixed_dictionaries(
        {},
        optional={
            "text": st.text(min_size=1, max_size=280),
            "color": color_refs,
            "background": color_refs,
        },
    ),
    "flash": st.fixed_dictionaries({}, optional={"color": color_refs, "opacity": unit}),
    "image": st.just({}),
    "media": st.fixed_dictionaries({}, optional={"volume": unit}),
    "shake": st.fixed_dictionaries(
        {},
        optional={
            "amplitude": st.floats(0, 400, allow_nan=False),
            "frequencyHz": st.floats(0.5, 60, allow_nan=False),
        },
    ),
    "scene": st.fixed_dictionaries(
        {"scene": obs_names}, optional={"returnAfterMs": st.integers(0, 3_600_000)}
    ),
    "filter": st.fixed_dictionaries({"source": obs_names, "filter": obs_names}),
    "hotkey": st.fixed_dictionaries({"hotkey": obs_names}),
    "overlay": st.fixed_dictionaries(
        {},
        optional={
            "animation": st.sampled_from(["confetti", "sparkles"]),
            "particleCount": st.integers(1, 1000),
        },
    ),
    "move": st.tuples(
        st.fixed_dictionaries(
            {"source": obs_names},
            optional={"scene": obs_names, "easing": easings, "animateMs": st.integers(0, 10_000)},
        ),
        move_targets.filter(bool),
    ).map(merged),
    "filter-ramp": st.fixed_dictionaries(
        {
            "source": obs_names,
            "filter": obs_names,
            "settings": st.dictionaries(
                st.text(min_size=1, max_size=64),
                st.floats(-1_000_000, 1_000_000, allow_nan=False),
                min_size=1,
                max_size=16,
            ),
        },
        optional={"easing": easings, "animateMs": st.integers(0, 10_000)},
    ),
    "replay": st.just({}),
}
ASSET = Asset("ab" * 32, "image/png")


@st.composite
def effects_with_params(draw: st.DrawFn) -> tuple[Effect, dict[str, Any]]:
    kind = draw(st.sampled_from(KINDS))
    effect = Effect(
        id="fx_test",
        slug="test",
        name=draw(st.text(min_size=1, max_size=80)),
        category=draw(st.sampled_from(CATEGORIES)),
        kind=kind,
        params=draw(VALID_PARAMS[kind]),
        duration_ms=draw(st.integers(0, 3_600_000)),
        asset=ASSET if kind in ASSET_KINDS else None,
    )
    # Kinds with required names take no overrides here: a second draw could name a
    # relative target beside a stored absolute one, which is refused (tested apart).
    fixed = ("scene", "filter", "hotkey", "move", "filter-ramp")
    overrides = draw(VALID_PARAMS[kind]) if kind not in fixed else {}
    if draw(st.booleans()):
        overrides["durationMs"] = draw(st.integers(0, 3_600_000))
    return effect, overrides


def colours_in(render: dict[str, Any]) -> list[str]:
    return [
        *render["colors"].values(),
        *(render[k] for k in ("color", "background") if k in render),
    ]


@settings(max_examples=400)
@given(effects_with_params(), brands)
def test_every_render_has_the_contract_fields_and_concrete_colours(
    case: tuple[Effect, dict[str, Any]], brand: Brand
):
    effect, overrides = case
    render = resolve(effect, brand, overrides)
    # The shape of streamfx_wire.kinds, which tests/unit/test_wire.py holds to docs/RENDER.md.
    assert set(render) == COMMON_FIELDS | KIND_SPECS[effect.kind].fields
    assert render["kind"] == effect.kind
    assert render["effect"] == {
        "id": effect.id,
        "slug": effect.slug,
        "name": effect.name,
        "category": effect.category,
    }
    assert render["colors"] == dict(brand.palette)
    assert render["font"] == {
        "heading": brand.heading_font,
        "body": brand.body_font,
        "size": brand.base_size,
    }
    assert render["motionIntensity"] == brand.motion_intensity
    assert render["durationMs"] == overrides.get("durationMs", effect.duration_ms)
    # Palette names never leak out: every colour is a concrete #RRGGBB.
    assert all(HEX.match(c) for c in colours_in(render)), render
    # And the render is plain JSON, as it is stored and sent.
    assert json.loads(json.dumps(render)) == render


@given(brands, color_refs, color_refs)
def test_palette_names_resolve_against_the_brand(brand: Brand, fg: str, bg: str):
    effect = Effect("fx_t", "t", "T", "text", "text", {"color": fg}, 1000)
    render = resolve(effect, brand, {"background": bg})
    assert render["color"] == brand.palette.get(fg, fg)
    assert render["background"] == brand.palette.get(bg, bg)


@given(st.floats(0, 400, allow_nan=False), st.integers(1, 4))
def test_shake_grows_with_motion_intensity(base: float, intensity: int):
    effect = Effect("fx_s", "s", "S", "alert", "shake", {"amplitude": base}, 600)
    calmer = resolve(effect, Brand(motion_intensity=intensity))["amplitude"]
    wilder = resolve(effect, Brand(motion_intensity=intensity + 1))["amplitude"]
    assert calmer <= wilder
    # Rounded to one decimal: within half a step of what was asked (and a float's width).
    at_three = resolve(effect, Brand(motion_intensity=3))["amplitude"]
    assert at_three == pytest.approx(base, abs=0.05 + 1e-9)


@given(
    effects_with_params(),
    st.dictionaries(
        st.text(max_size=12), st.none() | st.integers() | st.text(max_size=5), max_size=4
    ),
)
def test_any_parameters_give_a_render_or_a_params_error(
    case: tuple[Effect, dict[str, Any]], junk: dict[str, Any]
):
    effect, _ = case
    try:
        render = resolve(effect, None, junk)
    except ParamsError as exc:
        assert exc.details
        assert all(d["field"].startswith("params") for d in exc.details)
    else:
        assert render["kind"] == effect.kind


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("flash", {"opacity": 1.01}),
        ("flash", {"color": "#12345"}),
        ("text", {"text": ""}),
        ("overlay", {"particleCount": 0}),
        ("overlay", {"animation": "fireworks"}),
        ("scene", {"returnAfterMs": -1}),
        ("media", {"volume": 2}),
        ("shake", {"sparkle": True}),
    ],
)
def test_invalid_parameters_name_the_field(kind: str, params: dict[str, Any]):
    base = {"scene": {"scene": "BRB"}}.get(kind, {})
    effect = Effect("fx_t", "t", "T", "custom", kind, base, 1000)
    with pytest.raises(ParamsError) as info:
        resolve(effect, None, params)
    assert info.value.details[0]["field"] == f"params.{next(iter(params))}"
    assert kind in str(info.value)


def test_no_kit_means_the_default_look_of_render_md():
    # The example in docs/RENDER.md is what the banner built-in renders without a kit.
    text = (ROOT / "docs" / "RENDER.md").read_text()
    example = json.loads(text.split("```json", 1)[1].split("```", 1)[0])
    banner = Effect(
        "fx_banner", "banner", "Banner", "text", "text", {"text": "Thanks for the follow!"}, 4000
    )
    assert resolve(banner, None) == example


def test_text_falls_back_to_the_effect_name_and_scene_to_its_duration():
    text = resolve(Effect("fx_t", "gg", "GG everyone", "text", "text", {}, 3000), None)
    assert text["text"] == "GG everyone"
    scene = resolve(Effect("fx_b", "b", "B", "transition", "scene", {"scene": "BRB"}, 9000), None)
    assert scene["returnAfterMs"] == 9000
    assert (
        resolve(
            Effect("fx_b", "b", "B", "transition", "scene", {"scene": "BRB"}, 9000),
            None,
            {"durationMs": 100},
        )["returnAfterMs"]
        == 100
    )


def test_asset_fields_point_at_the_asset_route():
    effect = Effect("fx_i", "i", "I", "alert", "image", {}, 3000, ASSET)
    assert resolve(effect, None)["asset"] == {
        "sha256": ASSET.sha256,
        "contentType": "image/png",
        "url": f"/api/assets/{ASSET.sha256}",
    }
