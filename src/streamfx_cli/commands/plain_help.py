"""`--help` in the words command lines use: `--port N`, `--name TEXT`, `EFFECT`.

Typer (0.2x) labels every parameter with its Python type (`<bool>`, `<str>`,
`<list[str]>`) and writes required arguments as `{EFFECT}`; docs/CLI.md "Help"
promises plain metavars instead. The root group (`PlainHelpGroup`, app.py) makes
every command of the tree a plain one when Typer builds it, and a plain command
shows its parameters plainly: flags with no metavar, an option without its own
metavar one from its type (`TEXT`, `N`, `NUMBER`, `FILE`, `a|b|c`), an argument
by its name in capitals (`[ID]` when optional, `...` when repeated).

Typer 0.2x carries its own copy of Click, so this module looks at what a parameter
has (`type_descriptor`, or Click's `type` in older Typer), never at Click's classes.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_NAMES = {str: "TEXT", int: "N", float: "NUMBER", bool: "BOOLEAN"}
# Click's own type names (older Typer), in the same words.
_CLICK_NAMES = {"text": "TEXT", "integer": "N", "integer range": "N", "float": "NUMBER"}


def plain_metavar(param: Any) -> str:
    """The metavar a plain CLI shows for `param`'s value (never a Python type)."""
    desc = getattr(param, "type_descriptor", None)
    if desc is None:  # Typer on Click: Click's type names
        kind = param.type
        name = str(getattr(kind, "name", "text"))
        if name == "choice":
            return "|".join(str(choice) for choice in kind.choices)
        return _CLICK_NAMES.get(name, name.upper())
    if desc.is_choice:
        return "|".join(str(getattr(choice, "value", choice)) for choice in desc.choices)
    if desc.is_path:
        return {"file": "FILE", "dir": "DIR"}.get(desc.path_type, "PATH")
    if desc.is_file:
        return "FILE"
    annotation = desc.annotation
    if desc.is_list:
        (annotation,) = getattr(annotation, "__args__", (str,))
    return _NAMES.get(annotation, getattr(annotation, "__name__", "VALUE").upper())


class PlainOption(TyperOption):
    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        return self.metavar or plain_metavar(self)


class PlainArgument(TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return None  # the name column already says it: EFFECT, FILE

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if not self.required and not name.startswith("["):
            name = f"[{name}]"
        return f"{name}..." if self.nargs != 1 else name


def _make_params_plain(params: list[Any]) -> None:
    for param in params:
        if type(param) is TyperOption:
            param.__class__ = PlainOption
        elif type(param) is TyperArgument:
            param.__class__ = PlainArgument
            if param.metavar is None and param.name:
                param.metavar = param.name.upper()


class PlainCommand(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        # Read at every help and usage, `--help` itself included (Click adds it per call).
        params: list[Any] = super().get_params(ctx)
        _make_params_plain(params)
        return params


class PlainGroup(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        _make_params_plain(params)
        return params


def _one_line_summary(help_text: str) -> str:
    """A docstring's first paragraph as one line: Typer keeps its line breaks in the
    commands table, where they would cut a sentence in the middle."""
    first, sep, rest = help_text.strip().partition("\n\n")
    return " ".join(first.split()) + sep + rest


def make_plain(command: Any) -> None:
    """Make `command` and every command under it plain (in place)."""
    if getattr(command, "help", None):
        command.help = _one_line_summary(command.help)
    if type(command) is TyperCommand:
        command.__class__ = PlainCommand
    elif type(command) is TyperGroup:
        command.__class__ = PlainGroup
    for sub in getattr(command, "commands", {}).values():
        make_plain(sub)


class PlainHelpGroup(PlainGroup):
    """The root `streamfx` group: the whole tree plain (see the module's doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        make_plain(self)
