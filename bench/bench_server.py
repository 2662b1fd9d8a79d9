"""The real StreamFX app, served by one uvicorn worker, plus `POST /bench/bare` (and
`/bench/bare-async`): a bare FastAPI endpoint returning constant JSON, so every ratio
compares like with like."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import uvicorn

from streamfx_server.app import create_app
from streamfx_server.infra.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # The effects in the benchmark have no cooldown; access tokens must outlive the run;
    # the agent benchmark signs up a second creator.
    app = create_app(
        Settings(data_dir=args.data_dir, port=args.port, access_ttl=3600, allow_signup=True)
    )

    @app.post("/bench/bare")
    def bare() -> dict[str, str]:
        return {"status": "ok"}

    # The same as a coroutine: no hop through the thread pool that a `def` endpoint
    # (like most of the app's) takes; the trigger endpoint is a coroutine too.
    @app.post("/bench/bare-async")
    async def bare_async() -> dict[str, str]:
        return {"status": "ok"}

    logging.getLogger("uvicorn.access").disabled = True
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        **_served_as_in_production(app.state.streamfx.settings),
    )


def _served_as_in_production(settings: Settings) -> dict:
    """The slow-client protocol and connection cap `streamfx server run` uses, so their
    per-request cost is measured too (absent from versions before they existed)."""
    try:
        from streamfx_server.infra.slow_clients import guarded_protocol
    except ImportError:
        return {}
    return {
        "http": guarded_protocol(settings.header_timeout, settings.body_idle_timeout),
        "limit_concurrency": settings.max_connections,
    }


if __name__ == "__main__":
    main()
