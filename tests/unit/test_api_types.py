"""The CLI's typed API answers (streamfx_cli/api_types.py) match the server's OpenAPI schema.

The server's pydantic models are the source of each answer's shape; the client's
TypedDicts mirror them for readers and the type checker. This keeps the two from
drifting: a field added, renamed or dropped on one side fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from streamfx_cli import api_types
from streamfx_server.app import create_app
from streamfx_server.infra.settings import Settings

# client TypedDict -> the server's schema of the same answer (or request body)
PAIRS = {
    "Health": "Health",
    "Creator": "CreatorOut",
    "LoginResult": "TokenPair",
    "Asset": "AssetOut",
    "Effect": "EffectOut",
    "EffectKey": "EffectKeyOut",
    "EffectDraft": "EffectCreate",
    "Palette": "Palette",
    "Typography": "Typography",
    "BrandKit": "BrandKitOut",
    "Metrics": "Metrics",
    "Session": "SessionOut",
    "SessionReport": "SessionReport",
    "ReportBucket": "Bucket",
    "PausedSpan": "PausedSpan",
    "Latency": "Latency",
    "SessionDeleted": "SessionDeleted",
    "Activation": "ActivationOut",
    "Triggered": "TriggerOut",
    "ActivationPage": "ActivationPage",
    "AgentRef": "AgentRef",
    "AgentHolder": "AgentHolder",
    "OverlayKey": "OverlayKeyOut",
    "CachedEffect": "CachedEffect",
    "Renders": "RendersOut",
    "Preview": "PreviewOut",
    "PreviewDraft": "PreviewIn",
    "ImportCounts": "ImportCounts",
    "ImportResult": "ImportOut",
    "Rule": "RuleOut",
    "RuleCreated": "RuleCreated",
    "RuleDraft": "RuleCreate",
    "RuleLastFired": "LastFired",
    "RuleLastRefused": "LastRefused",
    "HookSecret": "HookSecretOut",
    "HookAccepted": "HookAccepted",
}


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = create_app(Settings(data_dir=Path(tmp_path_factory.mktemp("data"))))
    return app.openapi()["components"]["schemas"]


@pytest.mark.parametrize(("client", "server"), PAIRS.items())
def test_the_client_knows_every_field_the_server_has(
    schemas: dict[str, Any], client: str, server: str
):
    declared = set(getattr(api_types, client).__annotations__)
    assert declared == set(schemas[server]["properties"]), (client, server)
