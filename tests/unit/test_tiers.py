"""The tier table (streamfx_server/tiers.py), and the body limits derived from it."""

from __future__ import annotations

import pytest

from streamfx_server.errors import APIError
from streamfx_server.infra.settings import Settings
from streamfx_server.tiers import (
    LIMITS,
    MB,
    check_brand_kit_room,
    check_effect_room,
    check_rule_room,
    upload_cap,
)
from streamfx_server.uploads import FORM_OVERHEAD, UPLOAD_PATH, body_limit


@pytest.mark.parametrize(
    ("tier", "kits", "effects", "cap_mb", "rules"),
    [
        ("free", 1, 5, 0, 3),
        ("creator", 3, 50, 25, 25),
        ("professional", 10, 500, 100, 250),
        ("enterprise", None, None, 500, None),
    ],
)
def test_the_table(
    tier: str, kits: int | None, effects: int | None, cap_mb: int, rules: int | None
):
    assert LIMITS[tier].brand_kits == kits
    assert LIMITS[tier].custom_effects == effects
    assert upload_cap(tier) == cap_mb * MB
    assert LIMITS[tier].rules == rules


def test_rules_past_the_professional_tier_are_refused_and_enterprise_has_no_limit():
    with pytest.raises(APIError) as info:
        check_rule_room("professional", 250)
    assert info.value.message == "The professional tier allows 250 rules, and you already have 250."
    check_rule_room("professional", 249)
    check_rule_room("enterprise", 100_000)


def test_refusals_name_the_tier_and_the_limit():
    with pytest.raises(APIError) as info:
        check_effect_room("professional", 500)
    assert info.value.status == 403
    assert info.value.message == (
        "The professional tier allows 500 custom effects, and you already have 500."
    )
    assert info.value.extra == {"tier": "professional", "limit": 500}
    check_effect_room("professional", 499)
    check_effect_room("enterprise", 10**6)
    check_brand_kit_room("enterprise", 10**6)


def test_only_the_upload_route_takes_large_bodies(tmp_path):
    limit_for = body_limit(Settings(data_dir=tmp_path))
    assert limit_for(UPLOAD_PATH) == 500 * MB + FORM_OVERHEAD
    assert limit_for("/api/effects") == 1024 * 1024
    assert limit_for("/api/effects/trigger") == 1024 * 1024
