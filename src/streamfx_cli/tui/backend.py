"""The panel's calls to the StreamFX API and to OBS, all blocking: the app runs them
in worker threads (tui/workers.py), never on the event loop.

`Backend` holds one API client (`api.Api`) for the panel's lifetime, made
lazily from the injected transport factory (even reading the sign-in may wait
on a keyring), and draws on the kept OBS connection, then reports what viewers
saw as the activation's delivery, as `streamfx fire` does (docs/AGENT.md
"Delivery record"). What it hands the app are the API's answers as plain
dicts (`api_types` names their fields), as the app has always read them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from ..errors import APIError

if TYPE_CHECKING:
    from ..api import Api
    from ..api_types import AgentHolder, BrandKit, Effect, Rule, SessionAction
    from ..client import Client
    from .obs_link import ObsLink, Seen

ClientFactory = Callable[[], "Client"]

# The delivery report comes after the draw; a server that went away must not keep a
# worker for the client's usual 10 s (the same budget as `streamfx fire`).
REPORT_TIMEOUT_S = 2.0
# The server keeps at most this much of a delivery's reason (docs/AGENT.md).
REASON_MAX = 500


def default_client_factory(url: str) -> ClientFactory:
    """The API client `streamfx login` signed in, for the server at `url`."""

    def make() -> Client:
        from ..client import Client

        return Client(url)

    return make


class Backend:
    def __init__(self, client_factory: ClientFactory) -> None:
        self._factory = client_factory
        self._api: Api | None = None
        self._lock = threading.Lock()

    @property
    def api(self) -> Api:
        with self._lock:
            if self._api is None:
                from ..api import Api

                self._api = Api(self._factory())
            return self._api

    def close(self) -> None:
        with self._lock:
            api, self._api = self._api, None
        if api is not None:
            api.close()

    # -- sign-in, for the WebSocket ------------------------------------------------

    def access_token(self) -> str:
        return self.api.sign_in.fresh().access_token

    def refreshed_token(self, used: str) -> str:
        return self.api.sign_in.refresh(used).access_token

    # -- reads -----------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return cast("dict[str, Any]", self.api.me())

    def effects(self) -> list[Effect]:
        return self.api.effects()

    def brand_kits(self) -> list[BrandKit]:
        return self.api.brand_kits()

    def live_session(self) -> dict[str, Any] | None:
        return cast("dict[str, Any] | None", self.api.live_session())

    def agents(self) -> list[AgentHolder] | None:
        """The agents drawing now (docs/AGENT.md "Lease"); None from a server without them."""
        try:
            return self.api.agents()
        except APIError as exc:
            if exc.status == 404:
                return None
            raise

    def history(self, session_id: str, count: int) -> list[dict[str, Any]]:
        """The session's last `count` activations (one page, at most 500), oldest first."""
        page = self.api.session_activations(session_id, limit=count, newest_first=True)
        return cast("list[dict[str, Any]]", page["activations"][::-1])

    def snapshot(self) -> dict[str, Any]:
        """Everything the panel shows, read in one go (after a (re)connect)."""
        return {
            "me": self.me(),
            "effects": self.effects(),
            "kits": self.brand_kits(),
            "session": self.live_session(),
            "agents": self.agents(),
        }

    # -- writes ----------------------------------------------------------------

    def rules(self) -> list[Rule]:
        return self.api.rules()

    def switch_rule(self, rule_id: str, enabled: bool) -> Rule:
        return self.api.update_rule(rule_id, {"enabled": enabled})

    def start_session(
        self, platform: str, brand_kit_id: str | None, title: str | None
    ) -> dict[str, Any]:
        return cast("dict[str, Any]", self.api.start_session(platform, brand_kit_id, title))

    def session_action(self, action: SessionAction, session_id: str) -> dict[str, Any]:
        return cast("dict[str, Any]", self.api.session_action(action, session_id))

    def set_active_kit(self, kit_id: str | None) -> dict[str, Any]:
        return cast("dict[str, Any]", self.api.set_active_kit(kit_id))

    def set_effect_key(self, effect_id: str, key: int | None) -> dict[str, Any]:
        return cast("dict[str, Any]", self.api.set_effect_key(effect_id, key))

    def trigger(self, effect_id: str, session_id: str | None) -> dict[str, Any]:
        return cast(
            "dict[str, Any]", self.api.trigger(effect_id, session_id=session_id, source="tui")
        )

    def replay(self, activation_id: str) -> dict[str, Any]:
        """Fire an earlier activation again (docs/EFFECTS.md "History"): a new activation."""
        return cast("dict[str, Any]", self.api.replay(activation_id))

    def report_delivery(
        self,
        activation_id: str,
        status: str,
        reason: str | None = None,
        drawn_at: str | None = None,
    ) -> None:
        """Record what came of an activation this panel drew (shown, hidden or failed)."""
        self.api.report_delivery(
            activation_id,
            status,
            reason=reason[:REASON_MAX] if reason else None,
            drawn_at=drawn_at,
            timeout=REPORT_TIMEOUT_S,
        )

    # -- OBS -------------------------------------------------------------------

    def show_in_obs(self, link: ObsLink, render: Mapping[str, Any]) -> Seen:
        """Draw an activation's render on the kept OBS connection, then see whether
        viewers can see it (on the same connection, under the same lock).

        Image and media effects need their file on this computer first; the
        asset cache downloads it once (before the connection's lock is taken)
        and checks its sha256.
        """
        from ..asset_cache import fetcher
        from ..obs.show import local_file

        return link.draw_and_see(render, local_file(render, fetcher(self.api)))
