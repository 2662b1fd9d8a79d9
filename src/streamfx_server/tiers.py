"""What each subscription tier may do: the one place the tiers and their limits live."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import APIError

MB = 1024 * 1024

# Lowest first: a tier may do everything the ones before it may.
TIERS = ("free", "creator", "professional", "enterprise")


@dataclass(frozen=True)
class TierLimits:
    brand_kits: int | None  # None = unlimited
    custom_effects: int | None
    upload_cap: int | None  # bytes per uploaded file; None = no uploads at all
    rules: int | None = None  # automations (docs/RULES.md)


LIMITS: dict[str, TierLimits] = {
    "free": TierLimits(brand_kits=1, custom_effects=5, upload_cap=None, rules=3),
    "creator": TierLimits(brand_kits=3, custom_effects=50, upload_cap=25 * MB, rules=25),
    "professional": TierLimits(brand_kits=10, custom_effects=500, upload_cap=100 * MB, rules=250),
    "enterprise": TierLimits(brand_kits=None, custom_effects=None, upload_cap=500 * MB, rules=None),
}

LARGEST_UPLOAD_CAP = max(t.upload_cap or 0 for t in LIMITS.values())

_HINT = "Delete one you no longer use, or ask the server owner for a higher tier."


def known_tier(tier: str) -> str:
    if tier not in TIERS:
        raise ValueError(f"Unknown tier {tier!r}; choose one of {', '.join(TIERS)}.")
    return tier


def tier_at_least(tier: str, needed: str) -> bool:
    return TIERS.index(tier) >= TIERS.index(needed)


def check_tier(tier: str, needed: str) -> None:
    """Raise 403, naming the tier needed, when `tier` is below `needed`."""
    if not tier_at_least(tier, needed):
        raise APIError(
            403,
            "tier_required",
            f"This needs the {needed} tier or higher; your account is on {tier}.",
            hint="Ask the server owner to run `streamfx server accounts set-tier`.",
            extra={"requiredTier": needed},
        )


def limits_for(tier: str) -> TierLimits:
    return LIMITS[tier]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def check_room(tier: str, what: str, limit: int | None, have: int) -> None:
    """Raise 403 when a creator who already has `have` of `what` may not add another."""
    if limit is not None and have >= limit:
        raise APIError(
            403,
            "tier_limit",
            f"The {tier} tier allows {_plural(limit, what)}, and you already have {have}.",
            hint=_HINT,
            extra={"tier": tier, "limit": limit},
        )


def check_brand_kit_room(tier: str, have: int) -> None:
    check_room(tier, "brand kit", limits_for(tier).brand_kits, have)


def check_effect_room(tier: str, have: int) -> None:
    check_room(tier, "custom effect", limits_for(tier).custom_effects, have)


def check_rule_room(tier: str, have: int) -> None:
    check_room(tier, "rule", limits_for(tier).rules, have)


def check_import_room(tier: str, what: str, limit: int | None, have: int, adding: int) -> None:
    """Raise 403 when an import would take a creator who has `have` of `what` past the
    tier's limit by adding `adding` of them (docs/EXPORT.md "Import")."""
    if limit is not None and have + adding > limit:
        raise APIError(
            403,
            "tier_limit",
            f"Importing would add {_plural(adding, what)}, but the {tier} tier allows "
            f"{limit} and you have {have}.",
            hint=f"{_HINT} Then import again.",
            extra={"tier": tier, "limit": limit},
        )


def upload_cap(tier: str) -> int:
    """Bytes one uploaded file may have; 0 when the tier has no uploads."""
    return limits_for(tier).upload_cap or 0


def describe_size(size: int) -> str:
    return f"{size // MB} MB" if size % MB == 0 else f"{size} bytes"
