"""Brand kit validation (in-process): what is accepted, what is refused, how updates merge."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from streamfx_server.brand_kits import (
    BrandKitCreate,
    BrandKitOut,
    BrandKitUpdate,
    brand_of,
    new_kit_values,
    updated_kit_values,
)
from streamfx_wire.vocabulary import CATEGORIES, DEFAULT_PALETTE, PALETTE_ROLES

hex_any_case = st.from_regex(r"\A#[0-9A-Fa-f]{6}\Z")
not_hex = st.text(max_size=10).filter(lambda s: not re.fullmatch(r"#[0-9A-Fa-f]{6}", s))
palettes = st.fixed_dictionaries({}, optional={role: hex_any_case for role in PALETTE_ROLES})
category_lists = st.lists(st.sampled_from(CATEGORIES), max_size=10)


def stored(values: dict[str, Any]) -> BrandKitOut:
    """What GET returns for a kit with these column values."""
    return BrandKitOut.model_validate(
        {
            "id": "bk_x",
            "name": values["name"],
            "colorPalette": values["color_palette"],
            "typography": values["typography"],
            "motionIntensity": values["motion_intensity"],
            "allowedCategories": values["allowed_categories"],
            "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": "2026-01-01T00:00:00.000Z",
        }
    )


@given(palettes, st.integers(1, 5), category_lists)
def test_valid_kits_are_accepted_and_normalised(
    palette: dict[str, str], motion: int, categories: list[str]
):
    body = BrandKitCreate.model_validate(
        {
            "name": "Kit",
            "colorPalette": palette,
            "motionIntensity": motion,
            "allowedCategories": categories,
        }
    )
    values = new_kit_values(body)
    # Every colour present, upper-cased; missing ones from the defaults.
    assert values["color_palette"] == {
        role: palette.get(role, DEFAULT_PALETTE[role]).upper() for role in PALETTE_ROLES
    }
    assert values["motion_intensity"] == motion
    # A set, in the canonical order.
    assert values["allowed_categories"] == [c for c in CATEGORIES if c in set(categories)]
    kit = stored(values)
    assert brand_of(kit).palette == values["color_palette"]


@given(st.sampled_from(PALETTE_ROLES), not_hex)
def test_anything_but_rrggbb_is_refused(role: str, colour: str):
    with pytest.raises(ValidationError) as info:
        BrandKitCreate.model_validate({"name": "K", "colorPalette": {role: colour}})
    assert info.value.errors()[0]["loc"][-1] == role


@given(st.integers().filter(lambda n: not 1 <= n <= 5))
def test_motion_intensity_outside_1_to_5_is_refused(motion: int):
    with pytest.raises(ValidationError):
        BrandKitCreate.model_validate({"name": "K", "motionIntensity": motion})
    with pytest.raises(ValidationError):
        BrandKitUpdate.model_validate({"motionIntensity": motion})


@given(st.text(min_size=1, max_size=20))
def test_unknown_categories_are_refused(category: str):
    assume(category not in CATEGORIES)
    with pytest.raises(ValidationError):
        BrandKitCreate.model_validate({"name": "K", "allowedCategories": [category]})


@given(st.text(max_size=100))
def test_names_are_trimmed_and_between_1_and_80(name: str):
    try:
        body = BrandKitCreate.model_validate({"name": name})
    except ValidationError:
        assert not name.strip() or len(name) > 80
    else:
        assert body.name == name.strip()
        assert 1 <= len(body.name) <= 80


@given(palettes, palettes, st.none() | st.integers(1, 5), st.none() | category_lists)
def test_an_update_changes_exactly_the_fields_given(
    first: dict[str, str], patch: dict[str, str], motion: int | None, categories: list | None
):
    kit = stored(
        new_kit_values(BrandKitCreate.model_validate({"name": "A", "colorPalette": first}))
    )
    update: dict[str, Any] = {"colorPalette": patch}
    if motion is not None:
        update["motionIntensity"] = motion
    if categories is not None:
        update["allowedCategories"] = categories
    after = stored(updated_kit_values(kit, BrandKitUpdate.model_validate(update)))
    before_palette = kit.color_palette.model_dump()
    for role in PALETTE_ROLES:
        expected = patch[role].upper() if role in patch else before_palette[role]
        assert getattr(after.color_palette, role) == expected
    assert after.motion_intensity == (motion or kit.motion_intensity)
    assert after.name == kit.name
    assert after.typography == kit.typography
    if categories is None:
        assert after.allowed_categories == kit.allowed_categories


@pytest.mark.parametrize(
    "update",
    [
        {"name": None},
        {"colorPalette": None},
        {"colorPalette": {"accent": None}},
        {"typography": {"baseSize": None}},
        {"allowedCategories": None},
    ],
)
def test_explicit_nulls_are_refused_rather_than_ignored(update: dict[str, Any]):
    with pytest.raises(ValidationError) as info:
        BrandKitUpdate.model_validate(update)
    assert "must not be null" in str(info.value)


@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30))
def test_font_names_cannot_carry_css(font: str):
    try:
        body = BrandKitCreate.model_validate({"name": "K", "typography": {"headingFont": font}})
    except ValidationError:
        return
    accepted = body.typography.heading_font
    assert accepted is not None
    assert not set(accepted) & set("\"';{}()<>:\\/")
