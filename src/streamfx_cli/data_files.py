"""The export file on this computer (docs/EXPORT.md): written whole or not at all by
`streamfx export`, read, checked and cut into parts by `streamfx import`.

The server writes the export as it reads it (`GET /api/export`), so the file is
streamed to disk; a JSON body the server takes is at most 1 MB, so an import is sent
in parts of under `PART_BYTES` (kits, effects and sessions first, then the activations,
each part with its session). Every part is idempotent on the server, so the parts are
first all sent as a dry run: a file the server refuses anywhere changes nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .errors import APIError, BadArgument, StreamFXError
from .field_flags import in_flags

if TYPE_CHECKING:
    from .api_types import ImportCounts, ImportResult

FORMAT = "streamfx-export"
VERSION = 1
# Under the server's 1 MB JSON body limit, with room for the part's header.
PART_BYTES = 768 * 1024
# Where the sessions start; a JSON string never holds a raw newline, so the first
# occurrence is this one (data_export.py writes one record per line).
_SESSIONS = b'\n"sessions":['
_KINDS = ("brandKits", "effects", "sessions", "activations")


def _size(value: Any) -> int:
    """Bytes of `value` as the request sends it (httpx: compact, UTF-8)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# -- export ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    path: Path
    counts: dict[str, int]
    # Effects whose file is described (name, checksum) but not included.
    files: list[dict[str, Any]]


def _head(path: Path) -> dict[str, Any]:
    """The file's header, kits and effects (everything before the sessions), decoded."""
    prefix = b""
    with path.open("rb") as handle:
        while (chunk := handle.read(1 << 16)) and _SESSIONS not in prefix:
            prefix += chunk
    cut = prefix.find(_SESSIONS)
    if cut < 0:
        raise StreamFXError("The server's export was cut short.", "Run `streamfx export` again.")
    return dict(json.loads(prefix[:cut].rstrip().rstrip(b",") + b"}"))


def _ends_whole(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 8))
        return handle.read().rstrip().endswith(b"}")


def write_export(api: Any, path: Path) -> Exported:
    """Stream the signed-in creator's export to `path`: whole, or not written at all."""
    if not path.parent.is_dir():
        raise BadArgument(
            f"Cannot write {path}: the folder {path.parent} does not exist.",
            "Create it, or pass another --out.",
        )
    partial = path.with_name(f".{path.name}.part")
    try:
        with partial.open("wb") as out:
            api.download_export(out.write)
        if not _ends_whole(partial):
            raise StreamFXError(
                "The server's export was cut short.", "Run `streamfx export` again."
            )
        head = _head(partial)
        os.replace(partial, path)
    except OSError as exc:
        raise BadArgument(f"Cannot write {path}: {exc.strerror}.", "Pass another --out.") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    files = [{"name": e["name"], **e["asset"]} for e in head.get("effects", []) if e.get("asset")]
    return Exported(path, dict(head.get("counts", {})), files)


# -- import ---------------------------------------------------------------------------


def _not_an_export(path: Path, why: str) -> BadArgument:
    return BadArgument(
        f"{path.name} is not a StreamFX export: {why}.", "Import a file made by `streamfx export`."
    )


def read_export(path: Path) -> dict[str, Any]:
    """The export in `path`, checked enough to be cut into parts; the server checks the rest."""
    try:
        with path.open("rb") as handle:
            doc = json.load(handle, parse_constant=_not_a_number)
    except OSError as exc:
        raise BadArgument(f"Cannot read {path}: {exc.strerror}.") from None
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise _not_an_export(path, f"it is not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _not_an_export(path, f'it has no "format": "{FORMAT}"')
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _not_an_export(path, "its version is not a whole number from 1 up")
    if version > VERSION:
        raise BadArgument(
            f"{path.name} is export version {version}, made by a newer StreamFX; "
            f"this one reads version {VERSION}.",
            "Update StreamFX, then import it again.",
        )
    for key in ("brandKits", "effects", "sessions"):
        if not isinstance(doc.get(key, []), list):
            raise _not_an_export(path, f'its "{key}" is not a list')
    for session in doc.get("sessions", []):
        if not isinstance(session, dict) or not isinstance(session.get("activations", []), list):
            raise _not_an_export(path, "a session is not an object with a list of activations")
    return doc


@dataclass
class Parts:
    """The export cut into request bodies: `heads` (kits, effects, sessions) first."""

    heads: list[dict[str, Any]] = field(default_factory=list)
    activations: list[dict[str, Any]] = field(default_factory=list)

    def all(self) -> Iterator[tuple[bool, dict[str, Any]]]:
        """(is a head part, body), in the order they are sent."""
        for body in self.heads:
            yield True, body
        for body in self.activations:
            yield False, body

    def __len__(self) -> int:
        return len(self.heads) + len(self.activations)


def split(doc: dict[str, Any]) -> Parts:
    """Cut an export into parts of under PART_BYTES (an item larger than that goes alone)."""
    header = {"format": doc["format"], "version": doc["version"]}
    parts = Parts()
    head = {**header, "brandKits": doc.get("brandKits", []), "effects": doc.get("effects", [])}
    head["sessions"] = []
    size = _size(head)
    for session in doc.get("sessions", []):
        item = {k: v for k, v in session.items() if k != "activations"}
        more = _size(item) + 1
        if head["sessions"] and size + more > PART_BYTES:
            parts.heads.append(head)
            head = {**header, "sessions": []}
            size = _size(head)
        head["sessions"].append(item)
        size += more
    parts.heads.append(head)

    body: dict[str, Any] | None = None
    for session in doc.get("sessions", []):
        item = {k: v for k, v in session.items() if k != "activations"}
        entry: dict[str, Any] | None = None
        for activation in session.get("activations", []):
            more = _size(activation) + 1
            if body is not None and size + more > PART_BYTES:
                parts.activations.append(body)
                body, entry = None, None
            if body is None:
                body = {**header, "sessions": []}
                size = _size(body)
            if entry is None:
                entry = {**item, "activations": []}
                body["sessions"].append(entry)
                size += _size(entry) + 1
            entry["activations"].append(activation)
            size += more
    if body is not None:
        parts.activations.append(body)
    return parts


def _zero() -> ImportCounts:
    return {"created": 0, "matched": 0, "skipped": 0}


def combined(results: list[tuple[bool, ImportResult]], dry_run: bool) -> ImportResult:
    """One answer for the whole file from its parts' answers. Kits, effects and sessions
    are counted from the head parts only: a part of activations repeats its session,
    which it finds already there (or, in a dry run, makes again)."""
    total: ImportResult = {
        "dryRun": dry_run,
        "brandKits": _zero(),
        "effects": _zero(),
        "sessions": _zero(),
        "activations": _zero(),
        "notes": [],
    }
    sums = cast("dict[str, dict[str, int]]", total)
    for is_head, result in results:
        counts = cast("dict[str, dict[str, int]]", result)
        for kind in _KINDS:
            if kind == "activations" or is_head:
                for what in ("created", "matched", "skipped"):
                    sums[kind][what] += counts[kind][what]
        total["notes"] += [n for n in result["notes"] if n not in total["notes"]]
    return total


def send(
    api: Any, parts: Parts, *, dry_run: bool, advance: Callable[[], object] = lambda: None
) -> ImportResult:
    """Send every part (`POST /api/import`), in order; the answers combined. A refusal
    says how far it got: nothing in a dry run or at the first part, else the parts
    before it stay (sending them again skips them)."""
    results: list[tuple[bool, ImportResult]] = []
    for index, (is_head, body) in enumerate(parts.all()):
        try:
            results.append((is_head, api.import_part(body, dry_run=dry_run)))
        except StreamFXError as exc:
            if isinstance(exc, APIError):
                exc = in_flags(exc, {})  # its `details` told by the file's field names
            if dry_run or index == 0:
                exc.message = f"The import was refused: {exc.message}"
                exc.hint = " ".join(filter(None, [exc.hint, "Nothing was imported."]))
            else:
                exc.message = (
                    f"{exc.message} The import stopped after {index} of {len(parts)} parts."
                )
                exc.hint = "Run the same command again: what is already here is skipped."
            raise exc from None
        advance()
    return combined(results, dry_run)
