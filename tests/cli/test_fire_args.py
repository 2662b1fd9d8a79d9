"""`streamfx fire` parses its own command line (the hotkey path skips Typer): whatever it
accepts must mean exactly what the Typer command makes of it, and whatever else it must
leave to Typer."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from streamfx_cli import firing
from streamfx_cli.app import app
from streamfx_cli.firing import FireArgs, parse_fire_args

ACCEPTED = [
    ["fire", "banner"],
    ["fire", "banner", "--json"],
    ["fire", "--json", "banner", "--no-obs"],
    ["fire", "fx_abc", "--session", "ss_1", "--source", "hotkey"],
    ["fire", "banner", "--session=ss_2", "--source=tui", "--no-obs", "--json"],
    ["fire", "banner", "--param", "text=hi", "-p", "durationMs=500", "-pcolor=#FF0000"],
    ["fire", "banner", "--param=opacity=1", "--param", "text=a=b"],
    ["fire", "ramp", "--param-json", 'settings={"size": 12}', "-p", "source=Cam"],
    ["fire", "ramp", '--param-json=settings={"a": 1}', "--param-json", "x=[1, 2]"],
    ["fire", "banner", "--session", "a", "--session", "b"],
    ["fire", "banner", "--session="],
    ["fire", "-", "--json"],
    ["fire", "Big Hype!"],
]

LEFT_TO_TYPER = [
    ["fire"],
    ["fire", "--help"],
    ["fire", "banner", "--help"],
    ["fire", "a", "b"],
    ["fire", "banner", "--bogus"],
    ["fire", "banner", "--session"],
    ["fire", "banner", "--session", "--json"],
    ["fire", "banner", "-p"],
    ["fire", "banner", "--param-json"],
    ["fire", "banner", "--json=1"],
    ["fire", "--", "-x"],
    ["fire", "banner", "-x"],
    ["--version"],
    ["effects", "list"],
]


def _as_typer_parses(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> FireArgs:
    seen: list[FireArgs] = []
    monkeypatch.setattr(firing, "fire_effect", lambda args: seen.append(args) or 0)
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    (args,) = seen
    return args


@pytest.mark.parametrize("argv", ACCEPTED, ids=" ".join)
def test_the_fast_parser_reads_what_typer_reads(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert parse_fire_args(argv) == _as_typer_parses(argv, monkeypatch)


@pytest.mark.parametrize("argv", LEFT_TO_TYPER, ids=" ".join)
def test_anything_else_is_left_to_typer(argv: list[str]) -> None:
    assert parse_fire_args(argv) is None


def test_shell_completion_is_left_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_STREAMFX_COMPLETE", "bash_complete")
    assert parse_fire_args(["fire", "banner"]) is None
