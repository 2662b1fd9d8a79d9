"""`streamfx preview EFFECT -o sheet.png`: an effect's frames, never on air, as one PNG.

The server renders the effect with the given params and kit without recording anything
(`POST /api/effects/{id}/preview`, docs/EFFECTS.md "Previews"). Then either OBS draws it
on its private preview scene (obs/preview.py) or, with `--overlay`, the overlay page
draws it in headless Chromium (overlay_frames.py); the frames become a contact sheet
(contact_sheet.py). The output path is checked first, so a bad one changes nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .errors import BadArgument, StreamFXError

if TYPE_CHECKING:
    from .api import Api

MAX_FRAMES = 24


@dataclass(frozen=True)
class PreviewArgs:
    effect: str
    output: Path
    params: tuple[str, ...] = ()
    json_params: tuple[str, ...] = ()  # --param-json
    kit: str | None = None
    frames: int = 6
    overlay: bool = False


@dataclass(frozen=True)
class PreviewResult:
    output: Path
    render: dict[str, Any]
    brand_kit_id: str | None
    frames: int
    span_ms: int
    drawn_by: str  # "obs" | "overlay"


def check_output(path: Path) -> Path:
    """The path the sheet will be written to; BadArgument if it cannot be."""
    if path.is_dir():
        raise BadArgument(
            f"{path} is a folder, not a file name for the sheet.",
            f"Name the file, e.g. -o {path / 'preview.png'}.",
        )
    folder = path.parent
    if not folder.is_dir():
        raise BadArgument(
            f"Cannot write {path}: the folder {folder} does not exist.",
            "Create the folder first, or pick another -o path.",
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise BadArgument(
            f"Cannot write {path}: permission denied.", "Pick a folder you can write to."
        )
    return path


def _overlay_key() -> str | None:
    """The overlay key saved on this machine (the page fetches files with it), if any."""
    from .commands.overlay import stored_overlay_url

    url = stored_overlay_url()
    if not url:
        return None
    keys = parse_qs(urlsplit(url).query).get("key")
    return keys[0] if keys else None


def _obs_frames(api: Api, render: dict[str, Any], frames: int) -> list[bytes]:
    from .obs.preview import capture, refusal

    why_not = refusal(str(render.get("kind")))
    if why_not is not None:  # before connecting: OBS need not even run to hear this
        raise BadArgument(why_not)
    from .asset_cache import fetcher
    from .obs.show import local_file
    from .obs_settings import connect

    with connect() as conn:
        return capture(conn, render, local_file(render, fetcher(api)), frames)


def run(args: PreviewArgs) -> PreviewResult:
    """Render, draw privately, photograph, and write the sheet; raises StreamFXError."""
    from .firing import FIRE_FLAGS, parse_params

    if not 1 <= args.frames <= MAX_FRAMES:
        raise BadArgument(f"--frames must be between 1 and {MAX_FRAMES}.")
    output = check_output(args.output)
    params = parse_params(args.params, args.json_params)
    from .api import Api
    from .field_flags import flags_named
    from .kit_names import kit_id_of
    from .obs.preview import span_ms

    with Api.signed_in() as api:
        kit = kit_id_of(api, args.kit, "--kit") if args.kit else None
        with flags_named({**FIRE_FLAGS, "brandKitId": "--kit"}):
            preview = api.preview(args.effect, params, kit)
        render = preview["render"]
        span = span_ms(render)
        if args.overlay:
            from .overlay_frames import capture as overlay_capture

            pngs = overlay_capture(api.base_url, render, args.frames, span, _overlay_key())
        else:
            pngs = _obs_frames(api, render, args.frames)

    from .contact_sheet import compose, write_atomically
    from .png import NotAPng, decode

    try:
        sheet = compose([decode(p) for p in pngs])
    except NotAPng as exc:
        raise StreamFXError(f"A frame could not be read: {exc}.") from None
    try:
        write_atomically(output, sheet)
    except OSError as exc:
        raise BadArgument(f"Cannot write {output}: {exc.strerror or exc}.") from None
    return PreviewResult(
        output=output,
        render=render,
        brand_kit_id=preview["brandKitId"],
        frames=len(pngs),
        span_ms=span,
        drawn_by="overlay" if args.overlay else "obs",
    )
