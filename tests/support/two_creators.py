"""Alice's things, for the tests that check Bob can neither see nor touch them."""

from __future__ import annotations

from typing import Any

from .accounts import TestCreator
from .media import png, upload

# Alice's brand colour: it must never show up in anything Bob gets.
ALICES_PRIMARY = "#13579B"


def alices_things(alice: TestCreator) -> dict[str, dict[str, Any]]:
    """A brand kit, a live session using it, an effect of her own and an uploaded image."""
    kit = alice.client.post(
        "/api/brand-kit", json={"name": "Alice's look", "colorPalette": {"primary": ALICES_PRIMARY}}
    ).json()
    session = alice.client.post(
        "/api/sessions/start", json={"platform": "twitch", "brandKitId": kit["id"]}
    ).json()
    effect = alice.client.post(
        "/api/effects", json={"name": "Alice wave", "category": "alert", "kind": "flash"}
    ).json()
    uploaded = upload(alice.client, png(rgb=(1, 2, 250)), name="Alice logo").json()
    return {"kit": kit, "session": session, "effect": effect, "upload": uploaded}
