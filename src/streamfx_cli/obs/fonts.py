"""Is a brand kit's font installed on this computer, and what is drawn if not?

StreamFX's CLI, panel and agent run on the computer that runs OBS (docs/AGENT.md),
so the fonts here are the fonts OBS's text source can use. A kit font that is
missing is never left to OBS to replace silently: the banner uses the fallback this
module names, and `brand-kit get`, `obs status` and the delivery's reason say so
("font fallback: Inter is not installed, using DejaVu Sans").

How it looks, per system (docs/EFFECTS.md "Fonts"):
- Linux and the BSDs: fontconfig, which OBS's text source uses there too.
  `fc-match` answers with the family it would draw; the fallback is that family.
- Windows: the fonts the system registered (the registry's Fonts keys, for the
  machine and for the user), the names GDI+ text finds fonts by.
- macOS, or anywhere without fontconfig: the family names read from the font files
  in the system's font folders (their `name` tables).
When none of these can tell (no fontconfig, no font folder), nothing is claimed: the
font is drawn as the kit says and no fallback is reported.

On the hotkey path: stdlib only, one short `fc-match` per font on Linux, and the
answers are kept for a minute in the process (the agent and the panel live long).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

CACHE_S = 60.0
FC_TIMEOUT_S = 2.0
# Tried in turn when the kit's fonts are missing and the system has no say (not
# fontconfig); then OBS's own default face.
COMMON_SANS = ("Segoe UI", "Arial", "Helvetica Neue", "Helvetica", "DejaVu Sans", "Noto Sans")
OBS_DEFAULT_FACE = "Sans Serif"
_NAME_IDS = (1, 16)  # font family, typographic family


@dataclass(frozen=True)
class FontChoice:
    """The face to draw for `wanted`, and whether that is a fallback."""

    wanted: str
    used: str
    checked: bool = True  # False: this computer could not tell, `used` is `wanted`

    @property
    def fallback(self) -> bool:
        return self.checked and self.used.casefold() != self.wanted.casefold()

    @property
    def note(self) -> str | None:
        """The words a delivery's reason and `obs status` use, when it is a fallback."""
        if not self.fallback:
            return None
        return f"font fallback: {self.wanted} is not installed, using {self.used}"


# -- fontconfig (Linux, BSD) ---------------------------------------------------------


def _fc_match(family: str) -> list[str] | None:
    """The families fontconfig draws `family` with (its names, in every language)."""
    fc = shutil.which("fc-match")
    if fc is None:
        return None
    try:
        out = subprocess.run(
            [fc, "--format", "%{family}", family],
            capture_output=True,
            text=True,
            timeout=FC_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    names = [n.strip() for n in out.stdout.split(",") if n.strip()]
    return names if out.returncode == 0 and names else None


# -- Windows -------------------------------------------------------------------------

_REGISTRY_SUFFIXES = (" (TrueType)", " (OpenType)", " (All res)")
_STYLE_WORDS = frozenset(
    [
        "regular",
        "bold",
        "italic",
        "oblique",
        "light",
        "thin",
        "black",
        "medium",
        "semibold",
        "demibold",
        "extrabold",
        "extralight",
        "heavy",
        "condensed",
    ]
)


def registry_families(value_names: Iterable[str]) -> set[str]:
    """Family names from the value names of Windows' Fonts registry keys:
    "Inter Bold (TrueType)" -> "Inter"; "Cambria & Cambria Math (TrueType)" -> both."""
    families: set[str] = set()
    for value in value_names:
        for suffix in _REGISTRY_SUFFIXES:
            value = value.removesuffix(suffix)
        for name in value.split("&"):
            words = name.split()
            while len(words) > 1 and words[-1].casefold() in _STYLE_WORDS:
                words.pop()
            if words:
                families.add(" ".join(words))
    return families


def _windows_families() -> set[str] | None:
    if sys.platform != "win32":
        return None
    import winreg

    key_path = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\Fonts"
    names: list[str] = []
    for hive in (winreg.HKEY_LOCAL_MACHINE, winreg.HKEY_CURRENT_USER):
        try:
            with winreg.OpenKey(hive, key_path) as key:
                count = winreg.QueryInfoKey(key)[1]
                names += [str(winreg.EnumValue(key, i)[0]) for i in range(count)]
        except OSError:
            continue
    return registry_families(names) if names else None


# -- font files (macOS, and anywhere without fontconfig) -----------------------------


def font_folders() -> list[Path]:
    home = Path.home()
    if sys.platform == "darwin":
        return [
            Path("/System/Library/Fonts"),
            Path("/System/Library/Fonts/Supplemental"),
            Path("/Library/Fonts"),
            home / "Library" / "Fonts",
        ]
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        local = Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
        return [windir / "Fonts", local / "Microsoft" / "Windows" / "Fonts"]
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".local/share/fonts"]


def _name_table_families(data: bytes, offset: int) -> set[str]:
    """Family names in one sfnt font (TrueType/OpenType) starting at `offset`."""
    (num_tables,) = struct.unpack_from(">H", data, offset + 4)
    for i in range(num_tables):
        tag, _, table, _ = struct.unpack_from(">4sIII", data, offset + 12 + 16 * i)
        if tag != b"name":
            continue
        _, count, strings = struct.unpack_from(">HHH", data, table)
        found: set[str] = set()
        for j in range(count):
            platform, _, _, name_id, length, at = struct.unpack_from(
                ">HHHHHH", data, table + 6 + 12 * j
            )
            if name_id not in _NAME_IDS:
                continue
            raw = data[table + strings + at : table + strings + at + length]
            # Windows and Unicode names are UTF-16BE; Macintosh names are Mac Roman.
            text = raw.decode("utf-16-be" if platform in (0, 3) else "mac_roman", "replace")
            if text.strip():
                found.add(text.strip())
        return found
    return set()


def file_families(path: Path) -> set[str]:
    """The family names a .ttf/.otf/.ttc file declares; empty if it is not one."""
    try:
        data = path.read_bytes()
        if data[:4] == b"ttcf":
            (count,) = struct.unpack_from(">I", data, 8)
            offsets = struct.unpack_from(f">{count}I", data, 12)
        else:
            offsets = (0,)
        families: set[str] = set()
        for offset in offsets:
            families |= _name_table_families(data, offset)
        return families
    except (OSError, struct.error, ValueError):
        return set()


def _font_files(folders: Sequence[Path]) -> Iterator[Path]:
    for folder in folders:
        if not folder.is_dir():
            continue
        for root, _, files in os.walk(folder):
            for name in files:
                if name.lower().endswith((".ttf", ".otf", ".ttc")):
                    yield Path(root) / name


def folder_families(folders: Sequence[Path]) -> set[str] | None:
    """Every family in these folders' font files; None when there is no font folder."""
    if not any(f.is_dir() for f in folders):
        return None
    families: set[str] = set()
    for path in _font_files(folders):
        families |= file_families(path)
    return families


# -- choosing ------------------------------------------------------------------------


@dataclass
class _Cache:
    at: float = -CACHE_S
    families: frozenset[str] | None = None


_cache = _Cache()


def _installed() -> frozenset[str] | None:
    """Casefolded family names installed here (Windows, macOS); None: cannot tell."""
    now = time.monotonic()
    if now - _cache.at >= CACHE_S:
        found = _windows_families() if sys.platform == "win32" else None
        if found is None:
            found = folder_families(font_folders())
        _cache.families = None if found is None else frozenset(f.casefold() for f in found)
        _cache.at = now
    return _cache.families


_matches: dict[str, tuple[float, list[str] | None]] = {}


def _fontconfig(family: str) -> list[str] | None:
    now = time.monotonic()
    hit = _matches.get(family)
    if hit is None or now - hit[0] >= CACHE_S:
        hit = (now, _fc_match(family))
        _matches[family] = hit
    return hit[1]


def choose(
    wanted: str,
    alternatives: Sequence[str] = (),
    *,
    match: Callable[[str], list[str] | None] = _fontconfig,
    installed: Callable[[], frozenset[str] | None] = _installed,
) -> FontChoice:
    """The face to draw for `wanted`: itself when installed, else the first installed of
    `alternatives` (the kit's other font), else the system's choice (fontconfig's
    match, or the first installed of COMMON_SANS, or OBS's default face)."""
    if sys.platform != "win32" and sys.platform != "darwin":
        matched = match(wanted)
        if matched is not None:
            if wanted.casefold() in {m.casefold() for m in matched}:
                return FontChoice(wanted, wanted)
            for other in alternatives:
                others = match(other) or []
                if other.casefold() in {m.casefold() for m in others}:
                    return FontChoice(wanted, other)
            return FontChoice(wanted, matched[0])
    have = installed()
    if have is None:
        return FontChoice(wanted, wanted, checked=False)
    for face in (wanted, *alternatives, *COMMON_SANS):
        if face.casefold() in have:
            return FontChoice(wanted, face)
    return FontChoice(wanted, OBS_DEFAULT_FACE)


__all__ = [
    "FontChoice",
    "choose",
    "file_families",
    "folder_families",
    "font_folders",
    "registry_families",
]
