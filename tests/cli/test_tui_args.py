"""`streamfx tui` parses its own command line (the panel opens sooner without Typer):
whatever it accepts must mean exactly what the Typer command makes of it, and whatever
else it must leave to Typer."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from streamfx_cli import panel_start
from streamfx_cli.app import app
from streamfx_cli.panel_start import parse_tui_args
from tests.support.cli import Cli

ACCEPTED = [
    ["tui"],
    ["tui", "--server", "http://127.0.0.1:8420"],
    ["tui", "--server=http://localhost:9000"],
]

LEFT_TO_TYPER = [
    ["tui", "--help"],
    ["tui", "--server"],
    ["tui", "--server="],
    ["tui", "--server", "--help"],
    ["tui", "extra"],
    ["tui", "--server", "a", "--server", "b"],
    ["tui", "--bogus"],
    ["up"],
    ["--version"],
]


@pytest.mark.parametrize("argv", ACCEPTED, ids=" ".join)
def test_the_fast_parser_reads_what_typer_reads(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []
    monkeypatch.setattr(panel_start, "open_panel", seen.append)
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert parse_tui_args(argv) == (seen[0],)


@pytest.mark.parametrize("argv", LEFT_TO_TYPER, ids=" ".join)
def test_anything_else_is_left_to_typer(argv: list[str]) -> None:
    assert parse_tui_args(argv) is None


def test_shell_completion_is_left_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_STREAMFX_COMPLETE", "bash_complete")
    assert parse_tui_args(["tui"]) is None


def test_tui_when_not_signed_in_says_so_without_opening_the_panel(tmp_path: Path) -> None:
    cli = Cli.without_keyring(tmp_path / "home")
    done = cli.run("tui")
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        "error: You are not signed in.",
        "hint: Run `streamfx login`, or `streamfx up` to set everything up.",
    ]
    assert done.stdout == ""
