"""The top lines: who is signed in, which server, OBS, the OBS agent, and the session with
its clock."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from .._css import sibling_css
from ..model import SessionView, format_clock
from ..state import ObsState
from .agent_status import AgentStatus

SERVER_LABELS = {
    "connecting": ("connecting…", "warn"),
    "live": ("live", "ok"),
    "reconnecting": ("reconnecting…", "warn"),
    "signed-out": ("signed out", "bad"),
}
OBS_LABELS = {
    "connecting": ("connecting…", "warn"),
    "connected": ("connected", "ok"),
    "reconnecting": ("reconnecting…", "warn"),
    "down": ("down", "bad"),
}
STATE_CLASSES = ("ok", "warn", "bad", "idle")


def _host(url: str) -> str:
    return url.split("://", 1)[-1]


class StatusBar(Vertical):
    DEFAULT_CSS = sibling_css(__file__)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="status-row"):
            yield Static("StreamFX", id="brand")
            yield Static("signing in…", id="account")
            yield Static("", id="server")
        with Horizontal(classes="status-row"):
            yield Static("OBS connecting…", id="obs")
            yield AgentStatus("Agent: …", id="agent", classes="unknown")
            yield Static("No live session", id="session-state")

    @staticmethod
    def _mark(widget: Static, state: str) -> None:
        for name in STATE_CLASSES:
            widget.set_class(name == state, name)

    def show_account(self, text: str, ok: bool = True) -> None:
        widget = self.query_one("#account", Static)
        widget.update(Text(text))
        self._mark(widget, "idle" if ok else "bad")

    def show_server(self, url: str, status: str) -> None:
        label, state = SERVER_LABELS.get(status, (status, "warn"))
        widget = self.query_one("#server", Static)
        widget.update(Text(f"Server {_host(url)} · {label}"))
        self._mark(widget, state)

    def show_obs(self, obs: ObsState) -> None:
        label, state = OBS_LABELS.get(obs.status, (obs.status, "warn"))
        if obs.connected and obs.obs_version:
            ws = f" (obs-websocket {obs.websocket_version})" if obs.websocket_version else ""
            text = f"OBS {obs.obs_version} · {label}{ws}"
        elif obs.waiting:
            text = "OBS · down: wrong password (o: retry)"
        else:
            text = f"OBS · {label}"
        widget = self.query_one("#obs", Static)
        widget.update(text)
        tip = obs.detail or (
            f"obs-websocket {obs.websocket_version}" if obs.websocket_version else ""
        )
        widget.tooltip = Text(tip) if tip else None
        self._mark(widget, state)

    def show_session(self, session: SessionView | None) -> None:
        widget = self.query_one("#session-state", Static)
        if session is None or not session.live:
            widget.update("No live session")
            self._mark(widget, "idle")
            return
        widget.update(f"{session.badge} {format_clock(session.seconds())} · {session.platform}")
        self._mark(widget, "ok" if session.status == "active" else "warn")
