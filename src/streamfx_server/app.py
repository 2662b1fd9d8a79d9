"""The application factory: everything hangs off `create_app(settings)`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from . import __version__, delivery_sweeper, event_log, rule_firing, webhooks
from .api_docs import install_docs
from .errors import document_error_bodies, install_error_handlers
from .infra.db import Database
from .infra.hash_slots import HashSlots
from .infra.hub import Hub
from .infra.logs import install_redaction
from .infra.middleware import BodyLimitMiddleware, HostCheckMiddleware
from .infra.passwords import warm_up
from .infra.ratelimit import FailureLimiter
from .infra.secrets_file import load_or_create_secret
from .infra.security_headers import SecurityHeadersMiddleware
from .infra.settings import Settings
from .infra.strict_json import StrictJSONMiddleware
from .infra.tokens import TokenCodec
from .routes import (
    activations,
    agents,
    assets,
    auth,
    brand_kits,
    data,
    effects,
    health,
    hooks,
    overlay_page,
    rules,
    sessions,
)
from .routes import overlay as overlay_routes
from .routes import ws as ws_routes
from .schemas import ErrorBody
from .state import AppState
from .uploads import UPLOAD_PATH, body_limit, sweep_partial_uploads


def build_state(settings: Settings) -> AppState:
    # The database holds password and token hashes: keep the folder private.
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    settings.data_dir.chmod(0o700)
    settings.assets_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.db_path)
    db.migrate()
    key = load_or_create_secret(settings.secret_path)
    return AppState(
        settings=settings,
        db=db,
        tokens=TokenCodec(key, settings.issuer, settings.audience, settings.access_ttl),
        email_failures=FailureLimiter(settings.login_max_failures, settings.login_window),
        client_failures=FailureLimiter(settings.client_max_failures, settings.login_window),
        hub=Hub(),
        signups=FailureLimiter(settings.signups_per_hour, 3600),
        hash_slots=HashSlots(settings.hash_slots, settings.hash_queue_wait),
        hook_secrets=webhooks.HookSecrets(key),
        hook_calls=FailureLimiter(settings.hook_calls_per_minute, 60),
    )


log = logging.getLogger("streamfx.server")


async def _to_thread_to_the_end(work: Callable[..., Any], *args: Any) -> Any:
    """`asyncio.to_thread`, but cancelling it waits for the thread to finish: a thread
    cannot be stopped, and the server closes the database right after cancelling its
    chores, which must not happen under a query still running (it would crash)."""
    running = asyncio.ensure_future(asyncio.to_thread(work, *args))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await running
        raise


async def prune_events(state: AppState) -> None:
    """Keep the event log to its retention (event_log.py), off the event loop and in
    short transactions, so a trigger never waits long behind it."""
    settings = state.settings
    while True:
        try:
            await _to_thread_to_the_end(
                event_log.prune_all,
                state.db,
                settings.events_keep_seconds,
                settings.events_keep_count,
            )
        except Exception:
            log.exception("could not prune the event log")
        await asyncio.sleep(settings.events_prune_every)


async def sweep_deliveries(state: AppState) -> None:
    """Expire pending activations past their maxDelayMs (delivery_sweeper.py), off the
    event loop; a sweep that finds nothing takes no write lock."""
    while True:
        try:
            await _to_thread_to_the_end(
                delivery_sweeper.sweep,
                state.db,
                state.hub,
                state.agent_leases,
                int(time.time() * 1000),
            )
        except Exception:
            log.exception("could not expire pending deliveries")
        await asyncio.sleep(state.settings.delivery_sweep_every)


async def run_timer_rules(state: AppState) -> None:
    """Fire timer rules' due ticks (rule_firing.py, docs/RULES.md "Timers"), reading the
    server's clock (`Settings.clock`); spent webhook deliveries are forgotten on the way."""
    clock = state.settings.clock
    while True:
        try:
            await rule_firing.fire_due_timers(state, _to_thread_to_the_end)
            await _to_thread_to_the_end(webhooks.prune, state.db, clock.now())
        except Exception:
            log.exception("could not fire the timer rules")
        await asyncio.sleep(state.settings.rules_scan_every)


def create_app(settings: Settings) -> FastAPI:
    state = build_state(settings)
    # Only the serving process owns in-flight uploads, so only it may sweep their leftovers.
    sweep_partial_uploads(settings.assets_dir)
    install_redaction()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        warm_up()
        state.hub.bind(asyncio.get_running_loop())
        # What is alive now (modules, routes, pydantic schemas: a few hundred thousand
        # objects) lives as long as the server. Left to the cyclic collector, every full
        # collection walks all of it, a 40 ms stall of the loop for each request in
        # flight; frozen, it is skipped. Collect first so no garbage is frozen with it.
        gc.collect()
        gc.freeze()
        loop = asyncio.get_running_loop()
        chores = [
            loop.create_task(prune_events(state)),
            loop.create_task(sweep_deliveries(state)),
            loop.create_task(run_timer_rules(state)),
        ]
        yield
        for chore in chores:
            chore.cancel()
        for chore in chores:
            with contextlib.suppress(asyncio.CancelledError):
                await chore
        state.hub.stop()
        state.db.close()

    app = FastAPI(
        title="StreamFX",
        version=__version__,
        lifespan=lifespan,
        responses={"default": {"model": ErrorBody, "description": "Error envelope"}},
        # Served by api_docs.py when asked for, with a policy of its own.
        docs_url=None,
        redoc_url=None,
    )
    if settings.docs:
        install_docs(app)
    app.state.streamfx = state
    install_error_handlers(app)
    document_error_bodies(app)
    for module in (
        health,
        auth,
        brand_kits,
        sessions,
        effects,
        activations,
        agents,
        assets,
        data,
        rules,
        hooks,
    ):
        app.include_router(module.router)
    app.include_router(overlay_routes.router)
    app.include_router(ws_routes.router)
    app.include_router(overlay_page.router)

    # Innermost first. NaN, Infinity and nesting too deep are refused in every JSON body
    # before any route sees it (strict_json.py); uploads are multipart, never JSON.
    app.add_middleware(StrictJSONMiddleware, exempt_paths=frozenset({UPLOAD_PATH}))
    app.add_middleware(
        BodyLimitMiddleware, limit_for=webhooks.with_hook_limit(body_limit(settings))
    )
    # A foreign Host or WebSocket Origin is refused before anything else runs.
    app.add_middleware(HostCheckMiddleware, settings=settings)
    # Outermost, so even those refusals carry nosniff and refuse framing.
    app.add_middleware(SecurityHeadersMiddleware)
    return app
