"""The reusable tier guard, in-process against a real app."""

from __future__ import annotations

import pytest
from fastapi import Depends

from streamfx_server import accounts
from streamfx_server.app import create_app
from streamfx_server.deps import require_tier
from streamfx_server.identity import Creator
from streamfx_server.infra.settings import Settings
from tests.support.asgi import in_process

pytestmark = pytest.mark.anyio


async def test_require_tier_names_the_tier_needed(settings: Settings):
    app = create_app(settings)

    @app.get("/api/pro-only")
    def pro_only(creator: Creator = Depends(require_tier("professional"))) -> dict:  # noqa: B008
        return {"ok": creator.tier}

    async with in_process(settings, app) as api:
        headers = await api.sign_up("o@x.io")
        assert (await api.client.get("/api/pro-only", headers=headers)).json() == {
            "ok": "enterprise"
        }

        accounts.set_tier(app.state.streamfx.db, "o@x.io", "creator")
        refused = await api.client.get("/api/pro-only", headers=headers)
        assert refused.status_code == 403
        assert refused.json()["code"] == "tier_required"
        assert "professional" in refused.json()["error"]
        assert refused.json()["requiredTier"] == "professional"
