"""`streamfx activity` and `streamfx replay` as a user and a script run them, against the
real server (docs/CLI.md "History")."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
from typing import Any

import pytest

from tests.cli import test_obs
from tests.cli.test_obs import SHOW_MS, SLACK_S, Live, as_json, wait_for_centre
from tests.support.accounts import register
from tests.support.cli import Cli
from tests.support.live_server import start_server
from tests.support.obs_studio import effects_idle
from tests.support.waiting import wait_until


def _json(result: subprocess.CompletedProcess) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def fired(cli: Cli, effect: str, *args: str) -> dict[str, Any]:
    """`fire EFFECT --no-obs --json`: recorded, its delivery `skipped`; the activation as
    the server keeps it (without what `fire` adds: who draws it, and what OBS did)."""
    answer = _json(cli.run("fire", effect, "--no-obs", "--json", *args))
    return {k: v for k, v in answer.items() if k not in ("agent", "obs")}


@pytest.fixture
def streaming(signed_in: Cli) -> tuple[Cli, dict[str, Any]]:
    session = _json(signed_in.run("session", "start", "--platform", "twitch", "--json"))
    return signed_in, session


class Lines:
    """A running `streamfx`'s stdout, read line by line as a script would, in a thread."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self._lines: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)

    def next(self, timeout: float = 15) -> dict[str, Any]:
        """The next line, which must be one whole JSON object."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line within {timeout} s") from None
        assert line.endswith("\n")
        return json.loads(line)

    def interrupt(self) -> tuple[int, str]:
        """Ctrl+C, as in a terminal; the exit code and stderr."""
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(15)
        self._thread.join(5)
        assert self.proc.stderr is not None
        return code, self.proc.stderr.read()


def test_activity_shows_the_live_sessions_history(streaming):
    cli, session = streaming
    first = fired(cli, "banner", "--param", "text=Hello chat")
    # Overlay-only: no OBS, so nothing is reported and it stays pending.
    rest = [fired(cli, "flash"), _json(cli.run("fire", "confetti", "--json"))]

    shown = cli.run("activity")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert f"Session {session['id']} · twitch · active" in lines[0]
    assert lines[1].split() == ["Time", "Effect", "Source", "Delivery"]
    rows = [line.split() for line in lines[3:] if line.strip()]
    # Oldest first: when, which effect, from where, and what came of it.
    assert [row[1:] for row in rows] == [
        ["Banner", "cli", "skipped:", "fired", "with", "--no-obs:", "recorded", "only"],
        ["Flash", "cli", "skipped:", "fired", "with", "--no-obs:", "recorded", "only"],
        ["Confetti", "cli", "pending"],
    ]
    assert all(len(row[0]) == 8 and row[0].count(":") == 2 for row in rows)

    listed = _json(cli.run("activity", "--json"))
    assert [a["id"] for a in listed] == [first["id"], *(a["id"] for a in rest)]
    assert listed[0]["render"]["text"] == "Hello chat"
    assert listed[0]["delivery"]["status"] == "skipped"
    assert [a["id"] for a in _json(cli.run("activity", "--json", "--limit", "2"))] == [
        a["id"] for a in rest
    ]

    # Ended: still the most recent session, and named by id too.
    assert cli.run("session", "end").returncode == 0
    assert len(_json(cli.run("activity", "--json"))) == 3
    assert len(_json(cli.run("activity", "--json", "--session", session["id"]))) == 3


def test_activity_says_what_is_wrong(signed_in):
    none = signed_in.run("activity")
    assert none.returncode == 5
    assert none.stderr.startswith("error: You have no sessions yet")
    assert "hint: Start one with `streamfx session start" in none.stderr
    assert signed_in.run("session", "start", "--platform", "kick").returncode == 0
    unknown = signed_in.run("activity", "--session", "ss_nothing")
    assert unknown.returncode == 5
    assert "error: No session with that id." in unknown.stderr
    bad = signed_in.run("activity", "--limit", "0")
    assert bad.returncode == 2
    empty = signed_in.run("activity")
    assert empty.returncode == 0, empty.stderr
    assert "No activations in this session yet." in empty.stdout
    for result in (none, unknown, bad, empty):
        assert "Traceback" not in result.stderr


def test_activity_follow_json_is_ndjson_a_script_can_read(streaming):
    cli, _ = streaming
    before = fired(cli, "flash")
    proc = cli.popen("activity", "--follow", "--json")
    lines = Lines(proc)
    try:
        # The history first: whole activations, one per line.
        assert lines.next() == before
        # Then each new fire, and again when its delivery is recorded.
        new = fired(cli, "banner", "--param", "text=Live")
        triggered = lines.next()
        assert triggered["id"] == new["id"]
        assert triggered["source"] == "cli"
        assert triggered["render"]["text"] == "Live"
        if triggered["delivery"]["status"] == "pending":
            updated = lines.next()
            assert updated["id"] == new["id"]
        else:  # the report was in before the event was read
            updated = triggered
        assert updated == new
        again = _json(cli.run("replay", new["id"], "--no-obs", "--json"))
        assert lines.next()["id"] == again["id"]
        code, stderr = lines.interrupt()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 0
    assert "Traceback" not in stderr
    assert "Aborted" not in stderr


def test_activity_follow_shows_rows_as_they_come(streaming):
    cli, _ = streaming
    proc = cli.popen("activity", "--follow")
    assert proc.stdout is not None
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        wait_until(lambda: any("No activations" in line for line in seen), 15, "the history")
        fired(cli, "flash")
        wait_until(lambda: any("skipped" in line for line in seen), 15, "the delivery's row")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    rows = [line.split() for line in seen if "Flash" in line]
    # Fired (pending), then again with what viewers saw.
    assert [row[1:3] for row in rows] == [["Flash", "cli"]] * len(rows)
    assert rows[-1][3] == "skipped:"
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read()


def test_replay_fires_it_again_and_says_so(streaming):
    cli, session = streaming
    original = fired(cli, "banner", "--param", "text=Once more")
    again = _json(cli.run("replay", original["id"], "--no-obs", "--json"))
    assert again["id"] != original["id"]
    assert (again["source"], again["sessionId"]) == ("replay", session["id"])
    assert again["render"]["text"] == "Once more"
    assert again["delivery"]["status"] == "skipped"
    said = cli.run("replay", original["id"], "--no-obs")
    assert said.returncode == 0, said.stderr
    assert said.stdout.startswith(f"Fired banner (text, 4s) in session {session['id']}: act_")
    assert said.stdout.rstrip().endswith("recorded only (--no-obs).")
    sources = [a["source"] for a in _json(cli.run("activity", "--json"))]
    assert sources == ["cli", "replay", "replay"]


def test_replay_refusals_have_their_exit_codes(streaming):
    cli, _ = streaming
    assert (
        cli.run(
            "effects",
            "create",
            "--name",
            "Horn",
            "--kind",
            "flash",
            "--category",
            "sound",
            "--cooldown",
            "60s",
        ).returncode
        == 0
    )
    horn = fired(cli, "horn")
    cooling = cli.run("replay", horn["id"], "--no-obs")
    assert cooling.returncode == 6
    assert "error: Horn is cooling down" in cooling.stderr
    unknown = cli.run("replay", "act_nothing")
    assert unknown.returncode == 5
    assert "error: No activation with that id." in unknown.stderr
    assert cli.run("session", "pause").returncode == 0
    paused = cli.run("replay", horn["id"], "--no-obs")
    assert paused.returncode == 5
    assert "paused" in paused.stderr
    for result in (cooling, unknown, paused):
        assert "Traceback" not in result.stderr


# The OBS fixture of tests/cli/test_obs.py: a signed-in CLI, a brand kit, a live session,
# and the session's OBS Studio set up on the standard stage.
live = test_obs.live
PRIMARY = (0x33, 0xCC, 0x99)  # the test kit's primary: what a flash fills the picture with


def test_replay_draws_it_in_obs_again_and_records_what_viewers_saw(live: Live) -> None:
    params = ("--param", "opacity=1", "--param", f"durationMs={SHOW_MS}")
    first = as_json(live.fire("flash", "--json", *params))
    assert first["delivery"]["status"] == "shown"
    # `fire` returns once OBS has taken the effect, which starts on OBS's next frame:
    # see it, then see it end, so the replay never meets the first one's ending.
    wait_for_centre(live.conn, PRIMARY, "the first flash in the program picture")
    wait_until(lambda: effects_idle(live.conn), SHOW_MS / 1000 + SLACK_S, "the first to end")

    again = as_json(live.cli.run("replay", first["id"], "--json"))
    assert again["obs"] == {"status": "shown"}
    assert (again["source"], again["delivery"]["status"]) == ("replay", "shown")
    assert again["render"] == first["render"]  # the same params: opacity 1, its duration
    # Drawn by the replay itself (no agent): the kit's colour fills the program picture.
    wait_for_centre(live.conn, PRIMARY, "the replayed flash in the program picture")
    history = as_json(live.cli.run("activity", "--json"))
    assert [(a["id"], a["delivery"]["status"]) for a in history[-2:]] == [
        (first["id"], "shown"),
        (again["id"], "shown"),
    ]


def test_activity_follow_goes_on_after_a_server_restart(tmp_path, file_cli: Cli) -> None:
    # Its own server, so restarting it never disturbs the other tests' one.
    own = start_server(tmp_path / "own-server" / "data")
    try:
        account = register(own)
        assert file_cli.login(own.url, account["email"]).returncode == 0
        assert file_cli.run("session", "start", "--platform", "twitch").returncode == 0
        before = fired(file_cli, "flash")
        proc = file_cli.popen("activity", "--follow", "--json")
        lines = Lines(proc)
        try:
            assert lines.next()["id"] == before["id"]
            own.stop()
            own.start()
            after = fired(file_cli, "banner")
            seen = lines.next()
            assert seen["id"] == after["id"]
            if seen["delivery"]["status"] == "pending":
                assert lines.next() == after
            code, stderr = lines.interrupt()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert code == 0
        assert "warning: The server's live events stopped; connecting again…" in stderr
        assert "Traceback" not in stderr
    finally:
        own.stop()
