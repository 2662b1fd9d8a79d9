"""Run the app under uvicorn; used by `streamfx server run` and `streamfx up`."""

from __future__ import annotations

import logging

from .app import create_app
from .infra.settings import Settings, is_loopback

log = logging.getLogger("streamfx.server")


def serve(settings: Settings, *, log_level: str = "info") -> None:
    import uvicorn

    app = create_app(settings)
    if not is_loopback(settings.host):
        log.warning(
            "listening on %s: other machines on the network can reach this server", settings.host
        )
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        # Forwarded headers are only trusted from loopback proxies (uvicorn's default);
        # we never need them, so we do not honour them at all.
        proxy_headers=False,
        server_header=False,
        ws_max_size=64 * 1024,
        timeout_graceful_shutdown=3,
    )
    uvicorn.Server(config).run()
