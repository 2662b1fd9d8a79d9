"""Fixtures for the in-process unit tests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from streamfx_server.app import build_state
from streamfx_server.infra.settings import Settings
from streamfx_server.state import AppState


class RecordingHub:
    """Stands in for the WebSocket hub; checks that what it is told about is already committed."""

    def __init__(self, db_path) -> None:
        self.db_path = db_path
        self.messages: list[dict[str, Any]] = []

    def publish(self, creator_id: str, message: dict[str, Any]) -> None:
        if message["type"] == "effect.triggered":
            with sqlite3.connect(self.db_path) as other:
                row = other.execute(
                    "SELECT 1 FROM effect_activations WHERE id = ?",
                    (message["activation"]["id"],),
                ).fetchone()
            assert row is not None, "published before COMMIT"
        self.messages.append(message)


@pytest.fixture
def state(tmp_path) -> Iterator[AppState]:
    built = build_state(Settings(data_dir=tmp_path / "data"))
    built = replace(built, hub=RecordingHub(built.settings.db_path))
    yield built
    built.db.close()
