"""The reusable tier guard, in-process against a real app."""

from __future__ import annotations

from fastapi import Depends
from fastapi.testclient import TestClient

from streamfx_server import accounts
from streamfx_server.app import create_app
from streamfx_server.deps import require_tier
from streamfx_server.identity import Creator
from streamfx_server.infra.settings import Settings


def test_require_tier_names_the_tier_needed(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))

    @app.get("/api/pro-only")
    def pro_only(creator: Creator = Depends(require_tier("professional"))) -> dict:  # noqa: B008
        return {"ok": creator.tier}

    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.post(
            "/api/auth/register",
            json={"email": "o@x.io", "password": "password1", "displayName": "O"},
        )
        token = client.post(
            "/api/auth/login", json={"email": "o@x.io", "password": "password1"}
        ).json()
        headers = {"Authorization": f"Bearer {token['accessToken']}"}
        assert client.get("/api/pro-only", headers=headers).json() == {"ok": "enterprise"}

        db = app.state.streamfx.db
        accounts.set_tier(db, "o@x.io", "creator")
        refused = client.get("/api/pro-only", headers=headers)
        assert refused.status_code == 403
        assert refused.json()["code"] == "tier_required"
        assert "professional" in refused.json()["error"]
        assert refused.json()["requiredTier"] == "professional"
