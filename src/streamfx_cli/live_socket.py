"""How the CLI's clients of the server's live WebSocket (`/api/ws`, docs/AGENT.md)
connect: the address, the connection's options and the first message. Shared by the
panel (tui/live_events.py), the agent (agent/link.py) and `streamfx activity --follow`
(live_follow.py), each with its own reading loop."""

from __future__ import annotations

from typing import Any

from streamfx_wire import live as wire

OPEN_TIMEOUT = 5.0
# Keepalive: notices a server that vanished without closing (a dead network).
PING_INTERVAL = 5.0
PING_TIMEOUT = 5.0
MAX_MESSAGE = 4 * 1024 * 1024


def ws_url(server_url: str) -> str:
    """The live WebSocket of the server at `server_url` (http -> ws, https -> wss)."""
    base = server_url.rstrip("/")
    for scheme, ws_scheme in (("https://", "wss://"), ("http://", "ws://")):
        if base.startswith(scheme):
            return ws_scheme + base[len(scheme) :] + "/api/ws"
    return base + "/api/ws"


def options(
    ping_interval: float = PING_INTERVAL, ping_timeout: float = PING_TIMEOUT
) -> dict[str, Any]:
    """The keyword arguments for `websockets`' `connect` (sync or asyncio): never through
    a proxy (the server is the streamer's own), messages up to 4 MiB."""
    return {
        "open_timeout": OPEN_TIMEOUT,
        "ping_interval": ping_interval,
        "ping_timeout": ping_timeout,
        "close_timeout": 1.0,
        "max_size": MAX_MESSAGE,
        "proxy": None,
    }


def auth(token: str, since: int | None = None) -> dict[str, Any]:
    """The first message: sign in, and resume after `since` if given."""
    message: dict[str, Any] = {"type": wire.AUTH, "token": token}
    if since is not None:
        message["since"] = since
    return message


__all__ = ["OPEN_TIMEOUT", "auth", "options", "ws_url"]
