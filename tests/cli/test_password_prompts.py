"""Setting and typing a password: the rule at the prompt, asked again at a terminal, one
clear error from a script (docs/CLI.md "Signing in"). The terminal is a real one (tmux);
`streamfx up`'s first run in a terminal is in tests/tui/test_tmux.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.accounts import PASSWORD, register
from tests.support.cli import Cli
from tests.support.live_server import LiveServer, start_server
from tests.support.tmux import Tmux, streamfx, terminal
from tests.support.waiting import wait_until


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server before its first account: `up` creates the owner on it."""
    live = start_server(tmp_path / "fresh" / "data")
    yield live
    live.stop()


def _has_owner(server: LiveServer) -> bool:
    return bool(httpx.get(f"{server.url}/api/health", timeout=5).json()["hasOwner"])


def test_up_from_a_script_refuses_a_short_password_before_sending_it(fresh_server, file_cli):
    done = file_cli.run(
        "up",
        "--server",
        fresh_server.url,
        "--email",
        "me@example.com",
        "--password-stdin",
        input="abc\n",
    )
    assert done.returncode == 5, done.stderr
    assert done.stderr.splitlines() == [
        "error: The password on stdin will not do: a password needs at least 8 characters "
        "(this one has 3).",
        "hint: Pipe a password of at least 8 characters to --password-stdin.",
    ]
    assert not _has_owner(fresh_server)


def test_up_from_a_script_names_what_the_server_refused(fresh_server, file_cli):
    """What only the server checks (an email) is told in one sentence, not "see details"."""
    done = file_cli.run(
        "up",
        "--server",
        fresh_server.url,
        "--email",
        "not-an-email",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert done.returncode == 5, done.stderr
    assert "error: Invalid --email: must be an email address like name@example.com." in (
        done.stderr
    )
    assert "details" not in done.stderr
    assert "Traceback" not in done.stderr
    assert not _has_owner(fresh_server)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    with terminal(tmp_path) as made:
        yield made


def _login(tmux: Tmux, cli: Cli, server: LiveServer, email: str) -> None:
    """`streamfx login` in the terminal; its exit code is printed when it ends."""
    tmux.env = cli.env
    tmux.start(streamfx("login", "--server", server.url, "--email", email) + '; echo "exit=$?"')


def _type_at_prompt(tmux: Tmux, nth: int, text: str) -> None:
    """Type at the `nth` password prompt once it is up (typed earlier, it would echo)."""
    wait_until(
        lambda: tmux.screen().count("Password:") >= nth, 15, f"password prompt {nth}", every=0.1
    )
    tmux.type(text)


def test_login_at_a_terminal_asks_again_after_a_wrong_password(server, file_cli: Cli, tmux):
    account = register(server)
    _login(tmux, file_cli, server, account["email"])
    _type_at_prompt(tmux, 1, "not the password")
    tmux.wait_for("Wrong email or password. Try again.")
    _type_at_prompt(tmux, 2, PASSWORD)
    screen = tmux.wait_for(f"<{account['email']}>", "exit=0")
    assert "Signed in as" in screen
    assert PASSWORD not in screen and "not the password" not in screen
    assert file_cli.run("whoami").returncode == 0


def test_login_gives_up_after_three_wrong_passwords(server, file_cli: Cli, tmux):
    account = register(server)
    _login(tmux, file_cli, server, account["email"])
    for nth in (1, 2, 3):
        _type_at_prompt(tmux, nth, "not the password")
    screen = tmux.wait_for("error: Wrong email or password.", "exit=3")
    assert screen.count("Try again.") == 2
    assert not file_cli.credentials_file.exists()
