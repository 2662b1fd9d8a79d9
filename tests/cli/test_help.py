"""`streamfx … --help` as a user reads it: plain metavars, never Python type tags
(docs/CLI.md "Help")."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from streamfx_cli.app import app
from streamfx_cli.commands.plain_help import plain_metavar
from tests.support.cli import Cli
from tests.support.commands import walk

TYPE_TAG = re.compile(r"<[a-z][\w\[\]|, ]*>")  # <bool>, <str>, <list[str]>, <int range>
PLAIN = re.compile(r"^([A-Z][A-Z_]*|[\w-]+(\|[\w-]+)+)$")  # TEXT, FILE, N, queue|replace|skip
WIDE = {"COLUMNS": "250", "TERM": "dumb"}


def _option_rows(text: str) -> list[str]:
    """The lines of the options table (a command's help text may name a flag too)."""
    return [line for line in text.splitlines() if line.lstrip(" │*").startswith("-")]


@pytest.mark.parametrize("name,command", list(walk()), ids=[n for n, _ in walk()])
def test_help_has_plain_metavars(name: str, command) -> None:
    shown = CliRunner().invoke(app, [*name.split(), "--help"], env=WIDE)
    assert shown.exit_code == 0, shown.output
    text = shown.output
    assert not TYPE_TAG.findall(text), f"`streamfx {name} --help` shows type tags"
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    assert "{" not in usage, usage
    for param in command.get_params(command.context_class(command)):
        if getattr(param, "param_type_name", "") == "argument":
            assert str(param.metavar).strip("[].").isupper(), (name, param.metavar)
            assert param.metavar.strip("[]") in usage, usage
        elif not (param.is_flag or param.count):
            metavar = param.metavar or plain_metavar(param)
            assert PLAIN.match(metavar), f"{name} {param.opts[0]}: {metavar!r}"
            row = next(line for line in _option_rows(text) if param.opts[0] + " " in line)
            assert metavar.split("|")[0] in row, row
        else:
            row = next(line for line in _option_rows(text) if param.opts[-1] in line)
            assert not re.search(r"\b(BOOLEAN|bool)\b", row), row


def test_help_in_a_terminal_reads_plainly(tmp_path) -> None:
    """The real command, as a user types it."""
    shown = Cli.without_keyring(tmp_path / "home").run(
        "effects", "update", "--help", env={"COLUMNS": "120"}
    )
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"effects update \[OPTIONS\] EFFECT *$", shown.stdout, re.M)
    assert re.search(r"--queue-mode\s+queue\|replace\|skip", shown.stdout)
    assert re.search(r"--cooldown\s+TEXT", shown.stdout)
    assert re.search(r"--json\s+Print JSON", shown.stdout)
    assert not TYPE_TAG.search(shown.stdout)


def test_shell_completion_is_there_for_bash(tmp_path) -> None:
    """docs/CLI.md "Shell completion": the script to install, and what it completes."""
    cli = Cli.without_keyring(tmp_path / "home")
    script = cli.run("--show-completion", "bash")
    assert script.returncode == 0, script.stderr
    assert "complete -o default -F _streamfx_completion streamfx" in script.stdout
    asked = cli.run(
        env={
            "COMP_WORDS": "streamfx session st",
            "COMP_CWORD": "2",
            "_STREAMFX_COMPLETE": "complete_bash",
        }
    )
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.split() == ["start", "status"]


@pytest.mark.parametrize("name,command", list(walk()), ids=[n for n, _ in walk()])
def test_each_command_is_summed_up_on_one_row(name: str, command) -> None:
    """In its group's commands table a summary is one sentence run on, never cut where
    the docstring's line happened to end."""
    *group, word = name.split()
    shown = CliRunner().invoke(app, [*group, "--help"], env=WIDE)
    row = next(line for line in shown.output.splitlines() if f"│ {word} " in line)
    summary = " ".join(command.help.split("\n\n")[0].split())
    assert summary in " ".join(row.strip(" │").split()), (name, row)
