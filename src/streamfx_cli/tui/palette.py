"""The command palette (ctrl+p): fire any effect by name, and the panel's own actions.

Both providers only offer what the keys already do: `Fire <name>` calls the same
`fire_effect` as a tile, and each panel command runs the app's action of that
name (`App.run_action`), exactly as its key binding does.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from .app import StreamFXApp
    from .model import Effect


def _help(effect: Effect) -> str:
    return f"{effect.category} · {effect.kind} · `streamfx fire {effect.slug}`"


class FireEffectCommands(Provider):
    """`Fire <effect name>` for every effect in the grid, matched on name and slug."""

    @property
    def panel(self) -> StreamFXApp:
        return cast("StreamFXApp", self.app)

    async def discover(self) -> Hits:
        for effect in self.panel.order:
            text = f"Fire {effect.name}"
            fire = partial(self.panel.fire_effect, effect.id)
            yield DiscoveryHit(text, fire, text=text, help=_help(effect))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for effect in self.panel.order:
            text = f"Fire {effect.name}"
            score = max(matcher.match(text), matcher.match(f"Fire {effect.slug}"))
            if score > 0:
                fire = partial(self.panel.fire_effect, effect.id)
                yield Hit(score, matcher.highlight(text), fire, text=text, help=_help(effect))


class PanelCommands(Provider):
    """Session and connection actions, for those who prefer typing to keys."""

    # (what the palette says, the app's action (`action_<name>`), its key or a hint)
    ACTIONS = (
        ("Start a session", "start_session", "Pick the platform and brand kit (s)"),
        ("Pause or resume the session", "toggle_pause", "p"),
        ("End the session", "end_session", "Asks first (e)"),
        ("Reconnect to OBS now", "reconnect_obs", "o"),
        ("Reload from the server", "reload", "r"),
    )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, action, help_text in self.ACTIONS:
            score = matcher.match(text)
            if score > 0:
                run = partial(self.app.run_action, action)
                yield Hit(score, matcher.highlight(text), run, text=text, help=help_text)
