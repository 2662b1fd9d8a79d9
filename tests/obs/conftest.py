"""The bridge tests use the session's real OBS Studio from tests/conftest.py.

Its machinery (start under Xvfb, pictures, the standard stage) is in
tests/support/obs_studio.py, shared with the CLI's end-to-end tests.
"""

from __future__ import annotations

import pytest

from streamfx_cli.obs import ObsConnection


@pytest.fixture
def stage(streamfx_conn: ObsConnection) -> ObsConnection:
    """OBS with a Gameplay scene (a dark backdrop) live and a BRB scene, set up, and
    every effect of earlier tests ended."""
    from streamfx_cli.obs.setup import setup
    from tests.support.obs_studio import build_stage, effects_idle
    from tests.support.waiting import wait_until

    conn = streamfx_conn
    build_stage(conn)
    setup(conn)  # nests StreamFX on top of the new scenes
    wait_until(lambda: effects_idle(conn), 10, "effects of earlier tests to end")
    return conn
