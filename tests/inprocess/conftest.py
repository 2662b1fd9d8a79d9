"""Fixtures for the in-process API tests: each test gets its own app and database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from streamfx_server.infra.settings import Settings
from tests.support.asgi import InProcessApi, in_process


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", allow_signup=True)


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[InProcessApi]:
    async with in_process(settings) as running:
        yield running
