"""Asking the streamer in the terminal (Typer's prompts), or reading a script's stdin."""

from __future__ import annotations

import sys

import typer

from ..errors import BadArgument


def read_password(from_stdin: bool, confirm: bool = False) -> str:
    """One line of stdin (`--password-stdin`), else a hidden prompt; never empty."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    if not password:  # nothing to sign in with: usage, like a missing argument
        raise BadArgument(
            "No password was given.", "Type it at the prompt or pipe it to --password-stdin."
        )
    return password


class TerminalPrompt:
    """`sign_in.Prompt` for a terminal; with `password_stdin` the password is piped in."""

    def __init__(self, password_stdin: bool) -> None:
        self.password_stdin = password_stdin

    @property
    def interactive(self) -> bool:
        return not self.password_stdin

    def text(self, label: str, default: str | None = None) -> str:
        return typer.prompt(label, default=default)

    def password(self, confirm: bool) -> str:
        return read_password(self.password_stdin, confirm)


def confirmed(question: str, yes: bool) -> bool:
    """`--yes`, or the streamer's answer (default no). The answer is read from stdin
    even when it is not a terminal, so a script may pipe it; no answer at all is no."""
    if yes:
        return True
    try:
        return bool(typer.confirm(question, default=False))
    except typer.Abort:  # stdin closed before an answer
        typer.echo()
        return False
