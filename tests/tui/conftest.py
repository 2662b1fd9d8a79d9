"""The control panel against real parts: the loopback server from tests/conftest.py,
the session's real OBS Studio, and real `streamfx` processes.

Each test gets its own creator, signed in under its own STREAMFX_HOME with the
tokens in the 0600 file (no keyring), so a `streamfx` subprocess given the same
STREAMFX_HOME and `PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring` is
signed in as the same account.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from streamfx_cli.client import Client, Session
from streamfx_cli.credentials import CredentialStore, Login
from streamfx_cli.obs import ObsConnection
from streamfx_cli.tui.app import StreamFXApp
from streamfx_cli.tui.widgets.effect_grid import EffectTile
from tests.support.accounts import new_creator
from tests.support.cli import DEVELOPER_SETTINGS, Cli
from tests.support.live_server import LiveServer, free_port
from tests.support.waiting import wait_until_async

from .screen import svg_lines

SIZE = (120, 36)
# How long a notification may wait behind the messages queued before it (a repaint or
# two): a fraction of a second even on a busy machine.
NOTICE_S = 2.0
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "tui"


def run(coro: Awaitable[Any]) -> Any:
    """Run one Pilot scenario (pytest has no asyncio plugin here)."""
    return asyncio.run(coro)  # type: ignore[arg-type]


@dataclass
class Account:
    """A creator signed in under `home` on `server`."""

    server: LiveServer
    email: str
    id: str
    home: Path
    http: httpx.Client = field(repr=False)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def store(self) -> CredentialStore:
        return CredentialStore(self.home / "config")

    @property
    def env(self) -> dict[str, str]:
        """Environment for a `streamfx` subprocess signed in as this account."""
        return self.cli.env

    @property
    def cli(self) -> Cli:
        """The `streamfx` command, signed in as this account."""
        return Cli.without_keyring(self.home)

    def client_factory(self) -> Callable[[], Client]:
        store = self.store
        return lambda: Client(self.url, Session(store))

    # -- the API, as a second device would use it ------------------------------------

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        response = self.http.request(method, path, **kw)
        response.raise_for_status()
        return response.json() if response.content else None

    def get(self, path: str, **kw: Any) -> Any:
        return self._json("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self._json("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Any:
        return self._json("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Any:
        return self._json("PATCH", path, **kw)

    def start_session(self, platform: str = "twitch", **body: Any) -> dict[str, Any]:
        return self.post("/api/sessions/start", json={"platform": platform, **body})

    def live_session(self) -> dict[str, Any] | None:
        sessions = self.get("/api/sessions", params={"status": "live"})
        return sessions[0] if sessions else None

    def fire(self, effect: str, source: str = "api") -> dict[str, Any]:
        return self.post("/api/effects/trigger", json={"effectId": effect, "source": source})

    def kit(self, name: str, **fields: Any) -> dict[str, Any]:
        return self.post("/api/brand-kit", json={"name": name, **fields})

    def use_kit(self, kit_id: str | None) -> None:
        self.patch("/api/auth/me", json={"settings": {"activeBrandKitId": kit_id}})

    def activations(self, session_id: str) -> dict[str, Any]:
        """The session's metrics (the server's own count of what fired)."""
        return self.get(f"/api/sessions/{session_id}/status")["metrics"]


def sign_in(server: LiveServer, home: Path, tier: str | None = None) -> Account:
    made = new_creator(server, tier)
    CredentialStore(home / "config").save(
        Login(server.url, made.email, made.id, made.access_token, made.refresh_token)
    )
    return Account(server, made.email, made.id, home, made.client)


@pytest.fixture
def panel_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """STREAMFX_HOME for the panel in this process; tokens in the 0600 file."""
    home = tmp_path / "home"
    for name in DEVELOPER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STREAMFX_HOME", str(home))
    monkeypatch.setenv("STREAMFX_NO_KEYRING", "1")
    return home


@pytest.fixture
def account(server: LiveServer, panel_home: Path) -> Iterator[Account]:
    """A free-tier creator (one brand kit)."""
    made = sign_in(server, panel_home)
    yield made
    made.http.close()


@pytest.fixture
def creator_account(server: LiveServer, panel_home: Path) -> Iterator[Account]:
    """A creator-tier creator (three brand kits, uploads)."""
    made = sign_in(server, panel_home, "creator")
    yield made
    made.http.close()


# -- OBS ------------------------------------------------------------------------------


def no_obs_factory() -> Callable[[], ObsConnection]:
    """OBS is not running: nothing listens on the port."""
    port = free_port()
    return lambda: ObsConnection("127.0.0.1", port, "", timeout=0.5)


class CountingFactory:
    """Opens connections to the session's OBS and counts them."""

    def __init__(self, studio: Any) -> None:
        self.studio = studio
        self.calls = 0

    def __call__(self) -> ObsConnection:
        self.calls += 1
        return self.studio.connect(timeout=1.5)


@pytest.fixture
def obs_ready(obs_studio: Any) -> Iterator[Any]:
    """The session's OBS with the standard stage and StreamFX set up, effects idle."""
    from streamfx_cli.obs.setup import setup
    from tests.support.obs_studio import build_stage, effects_idle
    from tests.support.waiting import wait_until

    with obs_studio.connect() as conn:
        build_stage(conn)
        setup(conn)
        wait_until(lambda: effects_idle(conn), 15, "earlier effects to end")
    return obs_studio


class HungListener:
    """A TCP port that accepts connections and never says a word (a frozen peer)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self._held.append(conn)

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        for conn in self._held:
            conn.close()
        self.sock.close()


@pytest.fixture
def hung_listener() -> Iterator[HungListener]:
    listener = HungListener()
    yield listener
    listener.close()


# -- the app ----------------------------------------------------------------------------


@dataclass
class Panel:
    """A running panel under Pilot, with every notification it showed."""

    app: StreamFXApp
    pilot: Any
    notes: list[Any]

    async def wait(
        self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "it"
    ) -> Any:
        return await wait_for(self.pilot, predicate, timeout, what)

    async def blocking(self, fn: Callable[[], Any]) -> Any:
        return await wait_in_thread(self.pilot, fn)

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)

    async def pause(self, seconds: float) -> None:
        await self.pilot.pause(seconds)

    def text(self) -> str:
        return screen_text(self.app)

    def said(self, fragment: str) -> bool:
        """Whether any notification so far contains `fragment`."""
        return any(fragment in f"{n.title}: {n.message}" for n in self.notes)

    async def notified(self, fragment: str, timeout: float = NOTICE_S) -> bool:
        """Whether a notification containing `fragment` is shown, waiting for it.

        `notify` only posts a message: a notification is seen when the app's queue gets
        to it, which on a busy machine can be after the screen change the same call made.
        """
        return await self.wait(lambda: self.said(fragment), timeout, repr(fragment))

    def feed(self) -> list[list[str]]:
        return self.app.main.feed.rows()

    def feed_row(self, effect: str, source: str | None = None) -> list[str] | None:
        for row in reversed(self.feed()):
            if row[1] == effect and (source is None or row[2] == source):
                return row
        return None


@asynccontextmanager
async def running(
    app: StreamFXApp, *, loaded: bool = True, size: tuple[int, int] = SIZE
) -> AsyncIterator[Panel]:
    """Run `app` (at 120x36 unless told); with `loaded`, wait until the server's data is
    on screen."""
    from textual.notifications import Notify

    notes: list[Any] = []

    def hook(message: Any) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification)

    async with app.run_test(size=size, notifications=True, message_hook=hook) as pilot:
        panel = Panel(app, pilot, notes)
        if loaded:
            await panel.wait(
                lambda: (
                    app.state.snapshots
                    and not app.state.loading
                    and app.state.server_status == "live"
                    # and the grid's tiles mounted (after the snapshot, on a busy machine
                    # a moment later)
                    and len(app.main.query(EffectTile)) == len(app.state.order)
                ),
                20,
                "the panel to load from the server",
            )
            await pilot.pause(0.1)  # and paint it
        yield panel


def make_app(
    account: Account, obs_factory: Callable[[], ObsConnection] | None = None
) -> StreamFXApp:
    return StreamFXApp(
        server_url=account.url,
        client_factory=account.client_factory(),
        obs_factory=obs_factory or no_obs_factory(),
    )


async def wait_for(
    pilot: Any, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "it"
) -> Any:
    """Let the app run until `predicate()` is truthy; fail after `timeout` seconds."""
    screen = lambda: "screen:\n" + screen_text(pilot.app)  # noqa: E731
    return await wait_until_async(predicate, timeout, what, pause=pilot.pause, seen=screen)


async def wait_in_thread(pilot: Any, fn: Callable[[], Any]) -> Any:
    """Run a blocking call (HTTP, subprocess) while the app keeps running."""
    task = asyncio.get_running_loop().run_in_executor(None, fn)
    while not task.done():
        await pilot.pause(0.05)
    return task.result()


def screen_lines(app: StreamFXApp) -> list[str]:
    return svg_lines(app.export_screenshot(), *app.size)


def screen_text(app: StreamFXApp) -> str:
    return "\n".join(screen_lines(app))


def notifications(app: StreamFXApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def save_artifact(app: StreamFXApp, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return Path(app.save_screenshot(name, str(ARTIFACTS)))
