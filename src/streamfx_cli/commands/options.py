"""Typer option types that several command groups share, so they read and behave alike."""

from __future__ import annotations

from typing import Annotated

import typer

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ParamFlag = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="key=value; values are read as JSON when they parse."),
]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from stdin.")
]
