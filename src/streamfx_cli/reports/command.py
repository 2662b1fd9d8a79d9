"""`streamfx session report`: pick the session, fetch its report, and show or write it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BadArgument, Refused
from ..output import emit_json

if TYPE_CHECKING:
    from ..api import Api
    from ..api_types import SessionReport


def _latest_session_id(api: Api) -> str:
    """The live session, else the most recent: one and the same, since a session can only
    start when none is live, so the live one is always the newest."""
    found = api.sessions(limit=1)
    if not found:
        raise Refused(
            "You have no sessions yet.",
            "Start one with `streamfx session start --platform twitch`.",
        )
    return found[0]["id"]


def _save_picture(report: SessionReport, path: Path) -> None:
    from ..contact_sheet import write_atomically
    from .picture import render_png

    data = render_png(report)
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise BadArgument(f"Cannot write {path}: {exc.strerror or exc}.") from None


def show_report(
    session_id: str | None, *, json_out: bool, csv_out: bool, md_out: bool, png: Path | None
) -> None:
    if sum((json_out, csv_out, md_out)) > 1:
        raise BadArgument("Choose one of --json, --csv and --md.")
    from ..api import Api

    with Api.signed_in() as api:
        report = api.session_report(session_id or _latest_session_id(api))
    if png is not None:
        _save_picture(report, png)
    if json_out:
        emit_json(report)
    elif csv_out:
        from .text_formats import to_csv

        sys.stdout.write(to_csv(report))
    elif md_out:
        from .text_formats import to_markdown

        sys.stdout.write(to_markdown(report))
    else:
        from .terminal import show

        show(report)
    if png is not None:
        # On stderr beside a format for scripts, so that stdout holds only that format.
        machine = json_out or csv_out or md_out
        print(f"Saved the picture to {png}.", file=sys.stderr if machine else sys.stdout)
