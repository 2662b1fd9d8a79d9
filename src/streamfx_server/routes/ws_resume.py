"""Resuming a live connection: `ready` with the newest seq, then what the client missed.

A connection joins the hub with its events held aside (`Subscriber.held`) *before*
the log is read, so an event committed at any moment is either in what is read or
among what is held (it is published after its COMMIT). Then:

1. `ready` carries `seq`, the newest event at the moment the log was read;
2. with `since`, the events after it up to that seq are replayed from the log, in
   order; a `since` the log cannot continue from gets `resync` instead;
3. the held events numbered above that seq follow, then live ones (`Hub.release`).

So the client gets every event after `since`, in order, none twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio

from streamfx_wire import live as wire

from .. import event_log
from ..infra.hub import Hub, Subscriber
from ..state import AppState

# Events read from the log at a time while replaying.
PAGE = 200


@dataclass(frozen=True)
class Bounds:
    newest: int  # the creator's newest seq when the log was read
    oldest: int  # the oldest seq the log still holds (newest + 1 when it holds none)


def _bounds(state: AppState, creator_id: str) -> Bounds:
    conn = state.db.conn()
    newest = event_log.newest(conn, creator_id)
    return Bounds(newest, event_log.oldest(conn, creator_id))


async def greet(state: AppState, sub: Subscriber) -> Bounds:
    """Queue `ready` for a connection that has just joined the hub with `held` set."""
    bounds = await anyio.to_thread.run_sync(_bounds, state, sub.creator_id)
    state.hub.send(
        sub,
        {"type": wire.READY, "creatorId": sub.creator_id, "mode": sub.mode, "seq": bounds.newest},
    )
    return bounds


def can_resume(since: int, bounds: Bounds) -> bool:
    # A `since` beyond the newest seq comes from another log (a database restored
    # from a backup, say): the client's state is not this server's, so it reloads too.
    return bounds.oldest - 1 <= since <= bounds.newest


async def resume(state: AppState, sub: Subscriber, since: int | None, bounds: Bounds) -> None:
    """Send what the client missed after `since` (nothing when None), then let the
    held and live events through."""
    hub = state.hub
    if since is not None:
        if can_resume(since, bounds):
            await _replay(state, hub, sub, since, bounds.newest)
        else:
            await hub.reply(sub, {"type": wire.RESYNC, "oldestSeq": bounds.oldest})
    await hub.release(sub, bounds.newest)


def _page(state: AppState, creator_id: str, after: int) -> list[event_log.Event]:
    return event_log.since(state.db.conn(), creator_id, after, PAGE)


async def _replay(state: AppState, hub: Hub, sub: Subscriber, since: int, upto: int) -> None:
    cursor = since
    while cursor < upto and not sub.dropped:
        page = await anyio.to_thread.run_sync(_page, state, sub.creator_id, cursor)
        if not page or page[0].seq != cursor + 1:
            # Pruned while this client was being replayed to (it read for a long
            # time): it reloads instead of silently missing events.
            oldest = page[0].seq if page else upto + 1
            await hub.reply(sub, {"type": wire.RESYNC, "oldestSeq": oldest})
            return
        for event in page:
            if event.seq > upto:
                return
            if not event.control_only or sub.can_trigger:
                await hub.reply_text(sub, event.text)
            cursor = event.seq
