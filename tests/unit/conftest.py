"""Fixtures for the in-process unit tests."""

from __future__ import annotations

import json
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

    def publish(self, creator_id: str, seq: int, text: str, *, control_only: bool = False) -> None:
        message = json.loads(text)
        assert message["seq"] == seq
        with sqlite3.connect(self.db_path) as other:
            logged = other.execute(
                "SELECT payload FROM events WHERE creator_id = ? AND seq = ?", (creator_id, seq)
            ).fetchone()
            if message["type"] == "effect.triggered":
                row = other.execute(
                    "SELECT 1 FROM effect_activations WHERE id = ?",
                    (message["activation"]["id"],),
                ).fetchone()
                assert row is not None, "published before COMMIT"
        assert logged is not None and logged[0] == text, "published without being logged"
        self.messages.append(message)


@pytest.fixture
def state(tmp_path) -> Iterator[AppState]:
    built = build_state(Settings(data_dir=tmp_path / "data"))
    built = replace(built, hub=RecordingHub(built.settings.db_path))
    yield built
    built.db.close()
