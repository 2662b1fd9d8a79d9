"""A real terminal for tests: one tmux server on its own socket (new-session -d -x 120 -y 36,
send-keys, capture-pane), to type at prompts and read the screen as a streamer would."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .cli import streamfx_argv
from .waiting import wait_until


def need_tmux() -> str:
    tmux = shutil.which("tmux")
    if tmux is None:
        reason = "tmux not installed: `apt-get install tmux` to run the panel's terminal tests"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must install it)")
        pytest.skip(reason)
    return tmux


class Tmux:
    """One tmux server on its own socket, so it never meets anyone else's sessions."""

    def __init__(self, tmux: str, socket: Path, env: dict[str, str]) -> None:
        self.tmux = tmux
        self.socket = socket
        self.env = env
        self.session = "panel"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [self.tmux, "-S", str(self.socket), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args[:3])} failed: {done.stderr.strip()}")
        return done

    def start(self, command: str) -> None:
        # One invocation: the pane is kept after the command exits (to read what it
        # last printed) even if it exits at once; no user config is read.
        self._run(
            "-f",
            os.devnull,
            "start-server",
            ";",
            "set-option",
            "-g",
            "remain-on-exit",
            "on",
            ";",
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            "120",
            "-y",
            "36",
            command,
        )

    def send(self, *keys: str, literal: bool = False) -> None:
        self._run("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def type(self, text: str) -> None:
        self.send(text, literal=True)
        self.send("Enter")

    def screen(self) -> str:
        return self._run("capture-pane", "-p", "-t", self.session, check=False).stdout

    def wait_for(self, *fragments: str, timeout: float = 15.0) -> str:
        def shown() -> str | None:
            text = self.screen()
            return text if all(f in text for f in fragments) else None

        screen = lambda: "screen:\n" + self.screen()  # noqa: E731
        return wait_until(shown, timeout, repr(fragments), every=0.1, seen=screen)

    def exited(self) -> bool:
        out = self._run("list-panes", "-t", self.session, "-F", "#{pane_dead}", check=False)
        return out.returncode != 0 or out.stdout.strip() == "1"

    def kill(self) -> None:
        self._run("kill-server", check=False)
        # Until no server answers on the socket any more.
        with contextlib.suppress(AssertionError):
            gone = lambda: self._run("list-sessions", check=False).returncode != 0  # noqa: E731
            wait_until(gone, 5, "tmux to exit", every=0.05)


@contextlib.contextmanager
def terminal(tmp_path: Path) -> Iterator[Tmux]:
    """A tmux server of its own under `tmp_path`, killed after."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
    made = Tmux(need_tmux(), tmp_path / "tmux.sock", base)
    try:
        yield made
    finally:
        made.kill()


def streamfx(*args: str) -> str:
    return " ".join(shlex.quote(a) for a in streamfx_argv(*args))
