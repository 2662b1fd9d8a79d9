"""`streamfx tui` with the sign-in in a real Secret Service keyring: it is read once the
first frame is on screen (docs/PANEL.md "Opening it"), and a panel that then finds nobody
signed in closes with the same error and exit code as before it opened."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from streamfx_cli import credentials
from tests.support.accounts import register
from tests.support.tmux import Tmux, need_tmux, streamfx
from tests.support.waiting import wait_until


@contextlib.contextmanager
def terminal(place: Path, env: dict[str, str]) -> Iterator[Tmux]:
    """A tmux server of its own whose panes see `env` (the keyring's session bus)."""
    place.mkdir(parents=True)
    made = Tmux(need_tmux(), place / "tmux.sock", env)
    try:
        yield made
    finally:
        made.kill()


def _exit_code(path: Path) -> int | None:
    text = path.read_text().strip() if path.exists() else ""
    return int(text) if text else None


def test_tui_reads_the_keyrings_sign_in_after_its_first_frame(
    server, keyring_cli, tmp_path: Path
) -> None:
    account = register(server)
    assert keyring_cli.login(server.url, account["email"]).returncode == 0
    mark = keyring_cli.home / "config" / credentials.BACKEND_MARK
    assert mark.read_text() == credentials.SECRET_SERVICE  # reads go straight to it
    code = tmp_path / "exit-code"
    # The shell notes the exit code: a busy machine's tmux may be slow to mark the pane dead.
    command = f"{streamfx('tui')}; echo $? > {code}"
    with terminal(tmp_path / "signed-in", keyring_cli.env) as tmux:
        tmux.start(command)
        tmux.wait_for("Confetti", account["displayName"], timeout=60)
        tmux.send("q")
        wait_until(lambda: _exit_code(code) is not None, 60, "the panel to quit")
        assert _exit_code(code) == 0

    code.unlink()
    assert keyring_cli.run("logout").returncode == 0
    with terminal(tmp_path / "signed-out", keyring_cli.env) as tmux:
        tmux.start(command)
        wait_until(lambda: _exit_code(code) is not None, 60, "the panel to close")
        assert _exit_code(code) == 3
        # tmux shows the lines after the panel's screen from the second on (the first
        # one written after leaving the alternate screen is lost in the pane, after `q`
        # too); the error's own line is checked without a terminal in test_tui_args.py.
        tmux.wait_for(
            "hint: Run `streamfx login`, or `streamfx up` to set everything up.", timeout=60
        )
