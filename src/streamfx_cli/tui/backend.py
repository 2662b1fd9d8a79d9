"""The panel's calls to the StreamFX API and to OBS, all blocking: the app runs them
in worker threads (tui/workers.py), never on the event loop.

`Backend` holds one API client for the panel's lifetime (made lazily by the
injected factory, because even reading the sign-in may wait on a keyring) and
the kept OBS connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..client import Client
    from .obs_link import ObsLink

ClientFactory = Callable[[], "Client"]


def default_client_factory(url: str) -> ClientFactory:
    """The API client `streamfx login` signed in, for the server at `url`."""

    def make() -> Client:
        from ..client import Client

        return Client(url)

    return make


class Backend:
    def __init__(self, client_factory: ClientFactory) -> None:
        self._factory = client_factory
        self._client: Client | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Client:
        with self._lock:
            if self._client is None:
                self._client = self._factory()
            return self._client

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # -- sign-in, for the WebSocket ------------------------------------------------

    def access_token(self) -> str:
        return self.client.session.fresh().access_token

    def refreshed_token(self, used: str) -> str:
        return self.client.session.refresh(used).access_token

    # -- reads -----------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return self.client.get("/api/auth/me")

    def effects(self) -> list[dict[str, Any]]:
        return self.client.get("/api/effects")

    def brand_kits(self) -> list[dict[str, Any]]:
        return self.client.get("/api/brand-kit")

    def live_session(self) -> dict[str, Any] | None:
        sessions = self.client.get("/api/sessions", params={"status": "live", "limit": 1})
        return sessions[0] if sessions else None

    def snapshot(self) -> dict[str, Any]:
        """Everything the panel shows, read in one go (after a (re)connect)."""
        return {
            "me": self.me(),
            "effects": self.effects(),
            "kits": self.brand_kits(),
            "session": self.live_session(),
        }

    # -- writes ----------------------------------------------------------------

    def start_session(
        self, platform: str, brand_kit_id: str | None, title: str | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"platform": platform}
        if brand_kit_id:
            body["brandKitId"] = brand_kit_id
        if title:
            body["title"] = title
        return self.client.post("/api/sessions/start", json=body)

    def session_action(self, action: str, session_id: str) -> dict[str, Any]:
        return self.client.post(f"/api/sessions/{action}", json={"sessionId": session_id})

    def set_active_kit(self, kit_id: str | None) -> dict[str, Any]:
        return self.client.patch("/api/auth/me", json={"settings": {"activeBrandKitId": kit_id}})

    def trigger(self, effect_id: str, session_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"effectId": effect_id, "source": "tui"}
        if session_id:
            body["sessionId"] = session_id
        return self.client.post("/api/effects/trigger", json=body)

    # -- OBS -------------------------------------------------------------------

    def show_in_obs(self, link: ObsLink, render: Mapping[str, Any]) -> None:
        """Draw an activation's render on the kept OBS connection.

        Image and media effects need their file on this computer first; the
        asset cache downloads it once and checks its sha256.
        """
        asset_path = None
        if render.get("asset") and render.get("kind") in ("image", "media"):
            from ..asset_cache import ensure_local

            effect = render.get("effect") or {}
            asset_path = str(
                ensure_local(self.client, render["asset"], str(effect.get("name", "effect")))
            )
        link.draw(render, asset_path)
