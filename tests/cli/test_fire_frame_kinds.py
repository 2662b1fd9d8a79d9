"""`streamfx effects create` and `streamfx fire` for move and replay, end to end: the real
command, the real server and the session's real OBS (see test_obs.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from streamfx_cli.obs import ObsConnection
from tests.cli.test_obs import Live, as_json, live, ok  # noqa: F401 (the fixture)
from tests.support.obs_studio import BACKDROP, GAMEPLAY, item_transform
from tests.support.waiting import wait_until

SLACK_S = 2.0


def replay_buffer_on(conn: ObsConnection) -> bool:
    return bool(conn.call("GetReplayBufferStatus")["outputActive"])


@pytest.fixture
def replay_buffer(live: Live) -> Iterator[Live]:  # noqa: F811
    live.conn.call("StartReplayBuffer")
    wait_until(lambda: replay_buffer_on(live.conn), 10, "the replay buffer to start")
    yield live
    live.conn.call("StopReplayBuffer")
    wait_until(lambda: not replay_buffer_on(live.conn), 10, "the replay buffer to stop")


def create(on: Live, name: str, kind: str, *params: str, duration: str = "0s") -> None:
    flags = [f"--param={p}" for p in params]
    made = on.cli.run(
        "effects", "create", "--name", name, "--kind", kind, "--category", "custom",
        "--duration", duration, *flags,
    )  # fmt: skip
    ok(made)


def test_fire_replay_with_the_buffer_off_fails_and_says_how_to_start_it(
    live: Live,  # noqa: F811
) -> None:
    create(live, "Clip off", "replay")
    fired = live.fire("clip-off")
    assert fired.returncode == 8, fired.stdout + fired.stderr
    assert "not shown in OBS" in fired.stdout
    assert "The replay buffer is off: start it in OBS (Start Replay Buffer)." in fired.stderr
    assert "Traceback" not in fired.stderr


def test_fire_replay_saves_the_buffer_and_the_file_is_in_the_delivery(
    replay_buffer: Live,
) -> None:
    create(replay_buffer, "Clip it", "replay")
    line = ok(replay_buffer.fire("clip-it"))
    assert "; shown in OBS (saved to " in line
    # The delivery as the server recorded it (its answer to the report).
    activation = as_json(replay_buffer.fire("clip-it", "--json"))
    assert activation["obs"]["status"] == "shown"
    delivery = activation["delivery"]
    assert delivery["status"] == "shown"
    assert delivery["reason"].startswith("saved to ")
    saved = Path(delivery["reason"].removeprefix("saved to "))
    assert saved.is_file() and saved.stat().st_size > 0


def test_fire_move_moves_the_backdrop_and_puts_it_back_exactly(live: Live) -> None:  # noqa: F811
    conn = live.conn
    before = item_transform(conn, GAMEPLAY, BACKDROP)
    create(live, "Nudge", "move", f"source={BACKDROP}", "dx=120", "animateMs=300", duration="1s")
    assert "shown in OBS" in ok(live.fire("nudge"))
    wait_until(
        lambda: item_transform(conn, GAMEPLAY, BACKDROP)["positionX"] == 120.0,
        0.3 + SLACK_S,
        "the backdrop to arrive",
    )
    wait_until(
        lambda: item_transform(conn, GAMEPLAY, BACKDROP) == before,
        1.6 + SLACK_S,
        "the backdrop to be back",
    )
