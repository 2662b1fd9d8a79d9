"""Session controls: state and live duration, start / pause-resume / end, live metrics."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from .._css import sibling_css
from ..model import BrandKit, SessionView, format_clock


class SessionPanel(Vertical):
    DEFAULT_CSS = sibling_css(__file__)

    def compose(self) -> ComposeResult:
        self.border_title = "Session"
        yield Static("No live session", id="session-status")
        yield Static("Press s to start one.", id="session-info")
        with Horizontal(id="session-buttons"):
            yield Button(
                "Start \\[s]", id="session-start", compact=True, action="app.start_session"
            )
            yield Button("Pause \\[p]", id="session-pause", compact=True, action="app.toggle_pause")
            yield Button("End \\[e]", id="session-end", compact=True, action="app.end_session")
        yield Static("", id="session-metrics")

    def on_mount(self) -> None:
        # Keys (s, p, e) and the mouse drive these; never a stray Enter on a focused
        # "End" or "Pause" in the middle of a stream.
        for button in self.query(Button):
            button.can_focus = False

    def show(self, session: SessionView | None, kit: BrandKit) -> None:
        live = session is not None and session.live
        live_status = session.status if session is not None and live else None
        status = self.query_one("#session-status", Static)
        info = self.query_one("#session-info", Static)
        status.set_class(live_status == "active", "active")
        status.set_class(live_status == "paused", "paused")
        if session is None:
            status.update("No live session")
            info.update("Press s to start one.")
        elif not live:
            status.update(f"Ended after {format_clock(session.seconds())}")
            info.update("Press s to start a new session.")
        else:
            status.update(f"{session.badge}  {format_clock(session.seconds())}")
            title = f' · "{session.title}"' if session.title else ""
            info.update(Text(f"{session.platform}{title} · kit {kit.name}"))
        self.query_one("#session-start", Button).disabled = live
        pause = self.query_one("#session-pause", Button)
        pause.disabled = not live
        pause.label = "Resume \\[p]" if live_status == "paused" else "Pause \\[p]"
        self.query_one("#session-end", Button).disabled = not live
        self._metrics(session)

    def tick(self, session: SessionView | None) -> None:
        """Advance the clock only (called several times a second)."""
        if session is None or not session.live:
            return
        self.query_one("#session-status", Static).update(
            f"{session.badge}  {format_clock(session.seconds())}"
        )

    def _metrics(self, session: SessionView | None) -> None:
        widget = self.query_one("#session-metrics", Static)
        if session is None:
            widget.update("")
            return
        text = Text()
        text.append("Effects fired ", style="bold")
        text.append(str(session.effects_fired), style="bold")
        for category, count in session.by_category:
            text.append(f"\n  {category:<12} {count:>4}")
        widget.update(text)
