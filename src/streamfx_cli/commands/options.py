"""Typer option types that several command groups share, so they read and behave alike."""

from __future__ import annotations

from typing import Annotated

import typer

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ParamFlag = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        help="key=value; the value is read by the parameter's type (text stays text).",
    ),
]
ParamJsonFlag = Annotated[
    list[str] | None,
    typer.Option("--param-json", help="key=JSON, for a structured value (an object, a list)."),
]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from stdin.")
]
