"""`streamfx export --out FILE` and `streamfx import FILE`: the creator's data, theirs to
take to another server (docs/EXPORT.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..output import emit_json, plural, say
from .options import JsonFlag

if TYPE_CHECKING:
    from ..api_types import ImportCounts, ImportResult


def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="The JSON file to write.")],
    json_out: JsonFlag = False,
) -> None:
    """Export your brand kits, effects and sessions (with every activation) to a file."""
    from ..api import Api
    from ..data_files import write_export

    with Api.signed_in() as api:
        done = write_export(api, out)
    if json_out:
        emit_json({"path": str(done.path), "counts": done.counts, "filesNotIncluded": done.files})
        return
    counts = done.counts
    say(
        f"Exported {plural(counts.get('brandKits', 0), 'brand kit')}, "
        f"{plural(counts.get('effects', 0), 'effect')}, "
        f"{plural(counts.get('sessions', 0), 'session')} and "
        f"{plural(counts.get('activations', 0), 'activation')} to {done.path}."
    )
    for item in done.files:
        say(
            f"note: the file of effect '{item['name']}' ({item.get('originalName') or item['sha256']}) "
            "is not in the export, only its checksum: keep it to upload it again after an import."
        )


_ROWS = (
    ("brand kits", "brandKits"),
    ("effects", "effects"),
    ("sessions", "sessions"),
    ("activations", "activations"),
)


def _counts(counts: ImportCounts, dry_run: bool) -> str:
    said = [f"{counts['created']} {'to add' if dry_run else 'new'}"]
    if counts["matched"]:
        said.append(f"{counts['matched']} already here")
    if counts["skipped"]:
        said.append(f"{counts['skipped']} skipped")
    return ", ".join(said)


def _report(result: ImportResult, file: Path, server: str) -> None:
    verb = "Would import" if result["dryRun"] else "Imported"
    say(f"{verb} {file.name} into your account on {server}:")
    for label, key in _ROWS:
        say(f"  {label + ':':<13}{_counts(result[key], result['dryRun'])}")  # type: ignore[literal-required]
    for note in result["notes"]:
        say(f"note: {note}")
    if result["dryRun"]:
        say("Nothing was changed (--dry-run).")


def import_(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="A `streamfx export` file."
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and count; change nothing.")
    ] = False,
    json_out: JsonFlag = False,
) -> None:
    """Import an export into your account on this server; running it again changes nothing."""
    from rich.console import Console
    from rich.progress import Progress

    from ..api import Api
    from ..data_files import read_export, send, split

    parts = split(read_export(file))
    # On stderr, and only on a terminal: stdout is the answer, scripts read it.
    console = Console(stderr=True)
    shown = not json_out and console.is_terminal
    with (
        Api.signed_in() as api,
        Progress(console=console, disable=not shown, transient=True) as progress,
    ):
        task = progress.add_task(f"Importing {file.name}", total=len(parts) * (1 if dry_run else 2))

        def advance() -> None:
            progress.advance(task)

        # A dry run of every part first: a file refused anywhere changes nothing.
        result = send(api, parts, dry_run=True, advance=advance)
        if not dry_run:
            result = send(api, parts, dry_run=False, advance=advance)
        server = api.base_url
    if json_out:
        emit_json({**result, "parts": len(parts)})
    else:
        _report(result, file, server)
