"""Asking the streamer in the terminal (Typer's prompts), or reading a script's stdin."""

from __future__ import annotations

import sys

import typer

from streamfx_wire.accounts import PASSWORD_RULE, password_problem

from ..errors import BadArgument, InvalidInput


def _stdin_line() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def _told(problem: str) -> None:
    """A typed answer that will not do, said on stderr before it is asked again."""
    typer.echo(f"{problem[:1].upper()}{problem[1:]}. Try again.", err=True)


def read_password(from_stdin: bool, confirm: bool = False) -> str:
    """One line of stdin (`--password-stdin`), else a hidden prompt; never empty."""
    password = (
        _stdin_line()
        if from_stdin
        else typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    )
    if not password:
        raise BadArgument(
            "No password was given.", "Type it at the prompt or pipe it to --password-stdin."
        )
    return password


def read_new_password(from_stdin: bool) -> str:
    """A new account's password, checked by the server's rule (streamfx_wire.accounts)
    before anything is sent. At the terminal the rule is in the prompt, and a password that
    breaks it, or a repeat that differs, is asked again; from stdin it is an error (exit 5)."""
    if from_stdin:
        password = _stdin_line()
        problem = password_problem(password)
        if problem:
            raise InvalidInput(
                f"The password on stdin will not do: {problem}.",
                f"Pipe a password of {PASSWORD_RULE} to --password-stdin.",
            )
        return password
    while True:
        password = typer.prompt(f"Password ({PASSWORD_RULE})", hide_input=True)
        problem = password_problem(password)
        if problem:
            _told(problem)
            continue
        if typer.prompt("Repeat for confirmation", hide_input=True) == password:
            return password
        _told("the two passwords differ")


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

    def new_password(self) -> str:
        return read_new_password(self.password_stdin)

    def tell(self, problem: str) -> None:
        _told(problem)


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
