"""Every command of the `streamfx` Typer app, found by walking it, so a table keyed by
command fails the moment a command is added without its row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer.main

from streamfx_cli.app import app


def click_tree() -> Any:
    """The Click command tree Typer builds for `streamfx` (as `streamfx` itself does)."""
    return typer.main.get_command(app)


def walk(command: Any | None = None, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """("server accounts set-tier", its command) for every command that runs something."""
    command = command if command is not None else click_tree()
    subs = getattr(command, "commands", None)
    if not subs:
        yield " ".join(path), command
        return
    for name, sub in sorted(subs.items()):
        yield from walk(sub, (*path, name))


def all_commands() -> list[str]:
    return [name for name, _ in walk()]


def missing_rows(table: dict[str, Any], what: str) -> str:
    """One sentence naming every command the table has no row for, and every stale row."""
    names = set(all_commands())
    missing = sorted(names - table.keys())
    stale = sorted(table.keys() - names)
    parts = []
    if missing:
        parts.append(f"{what}: add a row for {', '.join(repr(m) for m in missing)}")
    if stale:
        parts.append(f"{what}: no such command any more: {', '.join(repr(s) for s in stale)}")
    return "; ".join(parts)
