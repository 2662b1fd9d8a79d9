"""Run the app under uvicorn; used by `streamfx server run` and `streamfx up`."""

from __future__ import annotations

import logging

from .app import create_app
from .infra.logs import install_redaction
from .infra.settings import Settings, is_loopback
from .infra.slow_clients import guarded_protocol

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
        # Slow clients (slow_clients.py): header and body read timeouts, and past this
        # many open connections (WebSockets included) new requests get 503.
        http=guarded_protocol(settings.header_timeout, settings.body_idle_timeout),
        limit_concurrency=settings.max_connections,
    )
    # uvicorn has just configured logging (new handlers): guard them too.
    install_redaction()
    uvicorn.Server(config).run()
