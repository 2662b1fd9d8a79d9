"""End to end in a real terminal: `python -m streamfx_cli tui` and `streamfx up` under tmux
(new-session -d -x 120 -y 36, send-keys, capture-pane), as a streamer would run them."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.cli import NO_KEYRING, Cli
from tests.support.live_server import free_port
from tests.support.tmux import Tmux, streamfx, terminal
from tests.support.waiting import wait_until

from .conftest import Account

START_S = 40.0  # Textual and a fresh server start slowly on a loaded 2-core machine


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    with terminal(tmp_path) as made:
        yield made


@dataclass
class UpMachine:
    """A streamer's machine before the first `streamfx up`: no account, no server yet."""

    home: Path
    url: str
    cli: Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def up(tmp_path: Path, tmux: Tmux) -> Iterator[UpMachine]:
    """The machine's settings: a free server port, no keyring, no OBS; `tmux` uses them."""
    home = tmp_path / "up-home"
    url = f"http://127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TMUX", "STREAMFX_"))}
    env.update(
        NO_KEYRING,
        STREAMFX_HOME=str(home),
        STREAMFX_SERVER=url,
        STREAMFX_OBS_URL=f"ws://127.0.0.1:{free_port()}",
    )
    tmux.env = env
    machine = UpMachine(home, url, functools.partial(Cli(home, env).run, timeout=60))
    yield machine
    # `up` started an OBS agent beside the server: it must not outlive the test.
    stopped = machine.cli("agent", "stop")
    assert stopped.returncode == 0, stopped.stderr


def test_tui_in_a_terminal_fires_with_a_number_key(account: Account, tmux: Tmux) -> None:
    session = account.start_session("twitch")
    tmux.env = {**account.env, "STREAMFX_OBS_URL": f"ws://127.0.0.1:{free_port()}"}
    tmux.start(streamfx("tui"))
    tmux.wait_for("1 Confetti", "· live", "● LIVE", timeout=START_S)
    tmux.send("1")
    # An overlay-only effect: the row says so, and with no overlay page open its delivery
    # soon turns to `expired`, which the row follows live (a busy machine may show that
    # before this looks).
    outcomes = ("overlay only", "expired: no overlay page")

    def confetti_row() -> str | None:
        text = tmux.screen()
        rows = [line for line in text.splitlines() if "Confetti" in line and "panel" in line]
        return rows[0] if rows and any(o in rows[0] for o in outcomes) else None

    wait_until(confetti_row, 10, "the panel's Confetti with its outcome", every=0.1)
    assert account.activations(session["id"])["byEffect"] == {"confetti": 1}
    tmux.send("q")
    wait_until(tmux.exited, 15, "the panel to quit on q", every=0.1)


def _health(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_up_first_run_creates_the_owner_starts_the_server_and_opens_the_panel(
    up: UpMachine, tmux: Tmux
) -> None:
    home, url = up.home, up.url
    pid_file = home / "data" / "server.pid"
    cli = up.cli

    try:
        tmux.start(streamfx("up"))
        tmux.wait_for("no account yet", "Email:", timeout=START_S)
        tmux.type("owner")  # not an email: only the server says so, after the questions
        # The rule is at the prompt; a password that breaks it is asked again at once,
        # before the display name and before anything is sent.
        tmux.wait_for("Password (at least 8 characters):")
        tmux.type("abc")
        tmux.wait_for("A password needs at least 8 characters (this one has 3). Try again.")
        assert "Display name" not in tmux.screen()
        tmux.type("a long passphrase")
        tmux.wait_for("Repeat for confirmation:")
        tmux.type("a long passphrase")
        tmux.wait_for("Display name")
        tmux.send("Enter")
        # The server refuses the email: asked again alone, the password and name are kept.
        tmux.wait_for("Invalid email: must be an email address like name@example.com. Try again.")
        tmux.wait_for("Email [owner]:")
        tmux.type("owner@example.com")
        screen = tmux.wait_for("owner <owner@example.com>", "· live", "1 Confetti", timeout=START_S)
        assert "No live session" in screen

        # The server runs detached, its pid and log in the data folder.
        info = json.loads(pid_file.read_text())
        assert info["url"] == url and _health(url)
        # So does the OBS agent, holding the drawing lease (OBS itself is not running here).
        agent = wait_until(
            lambda: (
                (a := json.loads(cli("agent", "status", "--json").stdout))["state"] == "drawing"
                and a
            ),
            START_S,
            "the agent to hold the lease",
        )
        assert agent["obs"] == "unreachable"
        assert (home / "data" / "server.log").is_file()
        me = cli("whoami")
        assert me.returncode == 0 and "owner@example.com" in me.stdout, me.stderr
        assert "owner" in me.stdout

        tmux.send("q")
        wait_until(tmux.exited, 15, "the panel to quit on q", every=0.1)
        assert _health(url), "quitting the panel leaves the server running"

        # A second `up`: already signed in, the server already up: straight to the panel.
        tmux.kill()
        tmux.start(streamfx("up"))
        tmux.wait_for("owner <owner@example.com>", "· live", timeout=START_S)
        assert "Email:" not in tmux.screen()
        tmux.send("q")

        stopped = cli("server", "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert f"Stopped the StreamFX server at {url} (pid {info['pid']})" in stopped.stdout
        assert not _health(url)
        assert not pid_file.exists()
        again = cli("server", "stop")
        assert again.returncode == 0, again.stderr
        assert "The StreamFX server is not running" in again.stdout
    finally:
        if pid_file.exists():  # the test failed half-way: stop the server it started
            pid = json.loads(pid_file.read_text())["pid"]
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


def test_up_signs_in_to_a_running_server_and_restarts_a_stopped_one(
    up: UpMachine, tmux: Tmux
) -> None:
    """Not the first run: the account exists, the server is down; `up` starts it and asks
    only for the sign-in."""
    home, url = up.home, up.url
    pid_file = home / "data" / "server.pid"
    cli = up.cli

    try:
        # Set up an account with `up` itself (scripted), then sign out and stop the server.
        tmux.start(streamfx("up", "--email", "me@example.com", "--password-stdin"))
        tmux.wait_for("no account yet", timeout=START_S)
        tmux.type("another long passphrase")
        tmux.wait_for("me <me@example.com>", "· live", timeout=START_S)
        tmux.send("q")
        tmux.kill()
        assert cli("logout").returncode == 0
        assert cli("server", "stop").returncode == 0
        assert not _health(url)

        tmux.start(streamfx("up"))
        tmux.wait_for("Sign in to StreamFX", "Email:", timeout=START_S)
        assert "no account yet" not in tmux.screen()
        tmux.type("me@example.com")
        tmux.wait_for("Password:")
        # A wrong password is asked again; the email is kept.
        tmux.type("not my passphrase")
        tmux.wait_for("Wrong email or password. Try again.")
        tmux.type("another long passphrase")
        tmux.wait_for("me <me@example.com>", "· live", timeout=START_S)
        assert "Repeat for confirmation" not in tmux.screen()
        tmux.send("q")
    finally:
        if pid_file.exists():
            stopped = cli("server", "stop")
            assert stopped.returncode == 0, stopped.stderr
