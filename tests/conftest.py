"""Shared fixtures: a real server on a free loopback port, and creators on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.accounts import TestCreator, new_creator, register
from tests.support.live_server import LiveServer, start_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the session, with sign-up open so every test makes its own creators."""
    live = start_server(tmp_path_factory.mktemp("server") / "data")
    # The first account owns the server; take it here so test creators are ordinary members.
    register(live, "owner@example.com")
    yield live
    live.stop()


@pytest.fixture
def creator(server: LiveServer) -> Iterator[TestCreator]:
    """A fresh creator on the free tier, so tests never share data."""
    made = new_creator(server)
    yield made
    made.client.close()


@pytest.fixture
def make_creator(server: LiveServer) -> Iterator:
    made: list[TestCreator] = []

    def factory(tier: str | None = None) -> TestCreator:
        made.append(new_creator(server, tier))
        return made[-1]

    yield factory
    for c in made:
        c.client.close()
