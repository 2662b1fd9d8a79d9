"""Shared fixtures: a real server on a free loopback port, creators on it, and a real OBS.

The OBS fixtures live here (not in tests/obs) because the bridge tests and
the CLI's end-to-end tests share one OBS Studio for the whole session; the
machinery is in tests/support/obs_studio.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.accounts import TestCreator, new_creator, register
from tests.support.live_server import LiveServer, start_server

if TYPE_CHECKING:
    from streamfx_cli.obs import ObsConnection
    from tests.support.obs_studio import ObsEndpoint, ObsStudio, Picture


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


@pytest.fixture
def alice_and_bob(make_creator) -> tuple[TestCreator, TestCreator]:
    """Two creators on the creator tier (uploads allowed): Bob must never reach Alice's things."""
    return make_creator("creator"), make_creator("creator")


# -- OBS Studio (docs/ARCHITECTURE.md) ---------------------------------------------------


@pytest.fixture(scope="session")
def obs_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ObsStudio]:
    """The session's OBS Studio (started once; `restart()` for tests that need it)."""
    from tests.support.obs_studio import obs_studio_or_skip

    studio = obs_studio_or_skip(tmp_path_factory.mktemp("obs"))
    try:
        yield studio
    finally:
        studio.close()


@pytest.fixture(scope="session")
def obs_endpoint(obs_studio: ObsStudio) -> ObsEndpoint:
    """(host, port, password) of the running OBS."""
    return obs_studio.endpoint


@pytest.fixture
def obs_restart(obs_studio: ObsStudio) -> Callable[[], None]:
    """Restart OBS (same config, port and password) and wait until it answers."""
    return obs_studio.restart


@pytest.fixture
def obs_conn(obs_studio: ObsStudio) -> Iterator[ObsConnection]:
    """A fresh connection to the session's OBS, closed after the test."""
    conn = obs_studio.connect()
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def streamfx_conn(obs_conn: ObsConnection) -> ObsConnection:
    """A connection to an OBS on which `streamfx obs setup` has been run."""
    from streamfx_cli.obs.setup import setup

    setup(obs_conn)
    return obs_conn


@pytest.fixture
def png_file(tmp_path: Path) -> Callable[[int, int, tuple[int, int, int]], Path]:
    """Write a solid-colour PNG; returns its path."""
    from tests.support.obs_studio import encode_png

    def make(width: int, height: int, rgb: tuple[int, int, int]) -> Path:
        path = tmp_path / f"solid-{width}x{height}-{bytes(rgb).hex()}.png"
        path.write_bytes(encode_png(width, height, rgb))
        return path

    return make


@pytest.fixture
def wav_file(tmp_path: Path) -> Callable[[float], Path]:
    """Write a quiet 440 Hz mono WAV of the given length in seconds."""
    from tests.support.obs_studio import write_wav

    return lambda seconds: write_wav(tmp_path / f"tone-{seconds:g}s.wav", seconds)


@pytest.fixture
def screenshot() -> Callable[..., Picture]:
    """Take GetSourceScreenshot of a source (default: the program scene)."""
    from tests.support.obs_studio import take_screenshot

    return take_screenshot
