"""`streamfx activity`: a session's activations and what viewers saw of each, then (with
`--follow`) the new ones and their deliveries as they come (docs/CLI.md).

The history is read page by page, newest first, from
`GET /api/sessions/{id}/activations` and shown oldest first; following reads the
server's live events (live_follow.py), opened before the history is read so nothing
that happens meanwhile is missed, and shows each activation again whenever its
delivery changes. Output is a Rich table for a person, a JSON array with `--json`, and
with `--json --follow` one JSON object per line (NDJSON), flushed line by line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from streamfx_wire import live as wire

from .delivery_words import Outcome, delivery_outcome, source_label
from .errors import Refused

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from .api import Api
    from .api_types import Activation, Session

# The server's largest page (docs/EFFECTS.md "History").
PAGE_MAX = 500
DEFAULT_COUNT = 50
PENDING = Outcome("pending", "busy")
TONE_STYLES = {"ok": "green", "warn": "dark_orange", "bad": "red", "busy": "yellow"}
# Column widths, shared by the table and the rows that follow it.
WIDTHS = {"Time": 8, "Effect": 22, "Source": 9}
PIPED_WIDTH = 1000


class NoSessions(Refused):
    def __init__(self) -> None:
        super().__init__(
            "You have no sessions yet, so there is no activity to show.",
            "Start one with `streamfx session start --platform twitch`.",
        )


def session_to_show(api: Api, session_id: str | None) -> Session:
    """The session asked for; else the live one; else the most recent."""
    if session_id:
        return api.session_status(session_id)
    found = api.live_session() or next(iter(api.sessions(limit=1)), None)
    if found is None:
        raise NoSessions()
    return found


def latest(api: Api, session_id: str, count: int) -> list[Activation]:
    """The session's last `count` activations, oldest first."""
    newest_first: list[Activation] = []
    after: str | None = None
    while len(newest_first) < count:
        page = api.session_activations(
            session_id,
            after=after,
            limit=min(PAGE_MAX, count - len(newest_first)),
            newest_first=True,
        )
        newest_first += page["activations"]
        after = page["next"]
        if after is None:
            break
    return newest_first[::-1]


def effect_name(activation: Mapping[str, Any]) -> str:
    effect = (activation.get("render") or {}).get("effect") or {}
    return str(effect.get("name") or effect.get("slug") or activation.get("effectId"))


def clock_time(stamp: str) -> str:
    """An ISO 8601 moment as this computer's local time of day."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone().strftime("%H:%M:%S")


def outcome(activation: Mapping[str, Any]) -> Outcome:
    return delivery_outcome(activation.get("delivery")) or PENDING


def table(rows: Iterable[Mapping[str, Any]], *, header: bool = True, title: str = "") -> Table:
    """Time, effect, source and what viewers saw, one row per activation."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    grid = Table(
        title=title or None,
        title_justify="left",
        box=box.SIMPLE_HEAD if header else None,
        show_header=header,
        show_edge=False,
        pad_edge=False,
    )
    for name, width in WIDTHS.items():
        grid.add_column(name, width=width, no_wrap=True, overflow="ellipsis")
    grid.add_column("Delivery", overflow="fold")
    for activation in rows:
        said = outcome(activation)
        grid.add_row(
            clock_time(str(activation["triggeredAt"])),
            Text(effect_name(activation)),
            Text(source_label(str(activation.get("source", "")))),
            Text(said.text, style=TONE_STYLES.get(said.tone, "")),
        )
    return grid


def session_title(session: Session) -> str:
    title = f' "{session["title"]}"' if session.get("title") else ""
    started = datetime.fromisoformat(session["startTime"].replace("Z", "+00:00"))
    started_at = started.astimezone().strftime("%Y-%m-%d %H:%M")
    return f"Session {session['id']} · {session['platform']}{title} · {session['status']} · started {started_at}"


@dataclass
class Shown:
    """What has been printed of each activation, so a row is printed again only when its
    delivery changed (the history and the live events may both carry it)."""

    deliveries: dict[str, str] = field(default_factory=dict)

    def fresh(self, activation: Mapping[str, Any]) -> bool:
        said = json.dumps(activation.get("delivery"), sort_keys=True)
        if self.deliveries.get(str(activation["id"])) == said:
            return False
        self.deliveries[str(activation["id"])] = said
        return True


class Printer:
    """Writes activations as table rows, or as NDJSON lines (`as_json`)."""

    def __init__(self, as_json: bool, out: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out or sys.stdout
        self.shown = Shown()
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            # Piped (not a terminal): one line per row, however long its reason.
            width = None if self.out.isatty() else PIPED_WIDTH
            self._console = Console(file=self.out, highlight=False, width=width)
        return self._console

    def history(self, session: Session, rows: list[Activation]) -> None:
        fresh = [r for r in rows if self.shown.fresh(r)]
        if self.as_json:
            for row in fresh:
                self.line(row)
            return
        self.print(table(fresh, title=session_title(session)))
        if not fresh:
            self.print("No activations in this session yet.")

    def live(self, activation: Mapping[str, Any]) -> None:
        if not self.shown.fresh(activation):
            return
        if self.as_json:
            self.line(activation)
        else:
            self.print(table([activation], header=False))

    def print(self, what: Table | str) -> None:
        """In a terminal, as Rich draws it; piped, the same without the padding after it."""
        console = self.console
        if console.is_terminal:
            console.print(what)
        else:
            with console.capture() as drawn:
                console.print(what)
            self.out.write("".join(line.rstrip() + "\n" for line in drawn.get().splitlines()))
        self.out.flush()

    def line(self, activation: Mapping[str, Any]) -> None:
        self.out.write(json.dumps(activation, sort_keys=True) + "\n")
        self.out.flush()


def show_once(api: Api, session_id: str | None, count: int, as_json: bool) -> None:
    session = session_to_show(api, session_id)
    rows = latest(api, session["id"], count)
    if as_json:
        from .output import emit_json

        emit_json(rows)
    else:
        Printer(as_json=False).history(session, rows)


def follow(api: Api, session_id: str | None, count: int, as_json: bool) -> None:
    """The history, then each new activation of the session and each delivery change,
    until interrupted (the caller ends it on Ctrl+C)."""
    from .live_follow import LiveFollower
    from .live_socket import ws_url
    from .output import warn

    session = session_to_show(api, session_id)
    sign_in = api.sign_in
    follower = LiveFollower(
        ws_url(api.base_url),
        lambda: sign_in.fresh().access_token,
        lambda used: sign_in.refresh(used).access_token,
        warn,
    )
    printer = Printer(as_json)
    # Listening before reading: what happens while the history loads comes as events.
    follower.open()
    try:
        printer.history(session, latest(api, session["id"], count))
        if session["status"] == "ended":
            warn(f"session {session['id']} has ended: nothing new will come to it.")
        for event in follower.events():
            kind = event.get("type")
            if kind in (wire.EFFECT_TRIGGERED, wire.ACTIVATION_UPDATED):
                activation = event.get("activation") or {}
                if activation.get("sessionId") == session["id"]:
                    printer.live(activation)
            elif kind == wire.RESYNC:
                # Events were missed beyond what the server keeps: read the history again.
                for activation in latest(api, session["id"], PAGE_MAX):
                    printer.live(activation)
    finally:
        follower.close()
