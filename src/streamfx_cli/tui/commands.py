"""Command palette (ctrl+p): fire any effect by name, and the panel's own actions."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from .app import StreamFXApp


class FireEffectCommands(Provider):
    """`Fire <effect name>` for every effect in the grid, matched on name and slug."""

    @property
    def panel(self) -> StreamFXApp:
        return cast("StreamFXApp", self.app)

    def _commands(self) -> list[tuple[str, str, str]]:
        return [
            (f"Fire {e.name}", e.id, f"{e.category} · {e.kind} · `streamfx fire {e.slug}`")
            for e in self.panel.order
        ]

    async def discover(self) -> Hits:
        for text, effect_id, help_text in self._commands():
            yield DiscoveryHit(
                text, partial(self.panel.fire_effect, effect_id), text=text, help=help_text
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for effect in self.panel.order:
            text = f"Fire {effect.name}"
            score = max(matcher.match(text), matcher.match(f"Fire {effect.slug}"))
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(self.panel.fire_effect, effect.id),
                    text=text,
                    help=f"{effect.category} · {effect.kind} · `streamfx fire {effect.slug}`",
                )


class PanelCommands(Provider):
    """Session and connection actions, for those who prefer typing to keys."""

    ACTIONS = (
        ("Start a session", "ask_start_session", "Pick the platform and brand kit (s)"),
        ("Pause or resume the session", "toggle_pause", "p"),
        ("End the session", "ask_end_session", "Asks first (e)"),
        ("Reconnect to OBS now", "reconnect_obs", "o"),
        ("Reload from the server", "resync", "r"),
    )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app = cast("StreamFXApp", self.app)
        for text, method, help_text in self.ACTIONS:
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(text), getattr(app, method), text=text, help=help_text
                )
