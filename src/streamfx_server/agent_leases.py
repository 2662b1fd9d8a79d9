"""Who draws: the drawing lease of each creator's OBS targets, kept in memory.

docs/AGENT.md "Lease": per creator and OBS target (`host:port`) exactly one agent
connection holds the lease and draws; the others wait as standby, in the order they
said hello, and the longest-waiting one takes over the moment the holder's
connection ends. A lease is a live connection, so it needs no storage: a server
restart ends every connection, and the agents say hello again when they reconnect.

An agent that reconnects while the server still counts its old connection (a
network drop the server has not noticed yet) takes the old connection's place at
once, holder or standby, instead of queueing behind its own ghost: the same
`agentId` for the same target is the same agent.

This module is the bookkeeping only; routes/ws_agent.py tells the connections and
agent_status.py logs the `agent.status` events. Calls come from the event loop and
from worker threads (the expiry sweeper), hence the lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

# The connection that holds or waits for a lease (the hub's Subscriber in the server).
Owner = TypeVar("Owner")

# Limits per creator (docs/SECURITY.md): a few agents per OBS is plenty, and each one
# is a live connection and some memory.
MAX_STANDBYS = 8
MAX_TARGETS = 8


@dataclass(eq=False)
class Lease(Generic[Owner]):
    creator_id: str
    agent_id: str
    target: str
    owner: Owner
    # When it became the holder (None while it waits as standby).
    since: datetime | None = None


@dataclass(frozen=True)
class Hello(Generic[Owner]):
    """What `hello` did: the connection's lease, and who must be told what."""

    lease: Lease[Owner]
    holder: bool
    # The older connection of the same agent, whose place this one took: close it.
    replaced: Owner | None = None
    # True when the target's holder changed (an `agent.status` event is due).
    changed: bool = False


@dataclass(frozen=True)
class Left(Generic[Owner]):
    """What `leave` did: the target whose holder changed, and the new holder if any."""

    creator_id: str
    target: str
    holder: Lease[Owner] | None


@dataclass(frozen=True)
class Announcement:
    """A target's holder as the `agent.status` event tells it (None: nobody draws)."""

    creator_id: str
    target: str
    agent_id: str | None


class LeaseRefused(Exception):
    """A hello that cannot be accepted; `code` and the message go to the client."""

    def __init__(self, status: int, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint


class AgentLeases(Generic[Owner]):
    def __init__(self, max_standbys: int = MAX_STANDBYS, max_targets: int = MAX_TARGETS) -> None:
        self.max_standbys = max_standbys
        self.max_targets = max_targets
        self._lock = threading.Lock()
        # (creator, target) -> its connections, the holder first, then standbys by age.
        self._queues: dict[tuple[str, str], list[Lease[Owner]]] = {}
        self._by_owner: dict[Owner, Lease[Owner]] = {}
        # When each creator's last holding ended (epoch ms), for `ran_since`.
        self._ended_ms: dict[str, int] = {}
        # The holder last announced in an `agent.status` event, per (creator, target).
        self._announced: dict[tuple[str, str], str] = {}

    # -- connections coming and going ----------------------------------------------------

    def hello(
        self, owner: Owner, creator_id: str, agent_id: str, target: str, now: datetime
    ) -> Hello[Owner]:
        """Register `owner` as agent `agent_id` for `target`. Raises LeaseRefused."""
        with self._lock:
            mine = self._by_owner.get(owner)
            if mine is not None:
                return self._again(mine, agent_id, target)
            key = (creator_id, target)
            queue = self._queues.get(key, [])
            for place, old in enumerate(queue):
                if old.agent_id == agent_id:
                    return self._take_place(queue, place, old, owner)
            self._check_room(creator_id, queue)
            lease = Lease(creator_id, agent_id, target, owner)
            if not queue:
                lease.since = now
                self._queues[key] = queue
            queue.append(lease)
            self._by_owner[owner] = lease
            holder = queue[0] is lease
            return Hello(lease, holder, changed=holder)

    def leave(self, owner: Owner, now: datetime) -> Left[Owner] | None:
        """Forget `owner`'s lease; a change of holder, if its leaving made one."""
        with self._lock:
            lease = self._by_owner.pop(owner, None)
            if lease is None:
                return None
            key = (lease.creator_id, lease.target)
            queue = self._queues[key]
            was_holder = queue[0] is lease
            queue.remove(lease)
            if not was_holder:
                return None
            self._ended_ms[lease.creator_id] = int(now.timestamp() * 1000)
            if not queue:
                del self._queues[key]
                return Left(lease.creator_id, lease.target, None)
            queue[0].since = now
            return Left(lease.creator_id, lease.target, queue[0])

    def _again(self, mine: Lease[Owner], agent_id: str, target: str) -> Hello[Owner]:
        if mine.agent_id != agent_id or mine.target != target:
            raise LeaseRefused(
                409,
                "agent_already_announced",
                f"This connection is already agent {mine.agent_id} for {mine.target}; "
                "one connection is one agent.",
                "Open another connection for another agent or another target.",
            )
        holder = self._queues[(mine.creator_id, mine.target)][0] is mine
        return Hello(mine, holder)

    def _take_place(
        self, queue: list[Lease[Owner]], place: int, old: Lease[Owner], owner: Owner
    ) -> Hello[Owner]:
        lease = Lease(old.creator_id, old.agent_id, old.target, owner, old.since)
        queue[place] = lease
        del self._by_owner[old.owner]
        self._by_owner[owner] = lease
        return Hello(lease, place == 0, replaced=old.owner)

    def _check_room(self, creator_id: str, queue: list[Lease[Owner]]) -> None:
        mine = [q for (c, _), q in self._queues.items() if c == creator_id]
        if not queue and len(mine) >= self.max_targets:
            raise LeaseRefused(
                429,
                "too_many_agents",
                f"You already have agents drawing in {self.max_targets} OBS targets; "
                "that is the limit.",
                "Stop an agent you no longer use, then try again.",
            )
        standbys = sum(len(q) - 1 for q in mine)
        if queue and standbys >= self.max_standbys:
            raise LeaseRefused(
                429,
                "too_many_agents",
                f"You already have {self.max_standbys} agents waiting as standby; "
                "that is the limit.",
                "Stop an agent you no longer use, then try again.",
            )

    # -- reading -------------------------------------------------------------------------

    def lease_of(self, owner: Owner) -> Lease[Owner] | None:
        """`owner`'s lease, holder or standby."""
        with self._lock:
            return self._by_owner.get(owner)

    def held_by(self, owner: Owner) -> Lease[Owner] | None:
        """`owner`'s lease if it is the holder of its target (not a standby)."""
        with self._lock:
            lease = self._by_owner.get(owner)
            if lease is None or self._queues[(lease.creator_id, lease.target)][0] is not lease:
                return None
            return lease

    def holders(self, creator_id: str) -> list[Lease[Owner]]:
        """The creator's holders, the oldest holding first."""
        with self._lock:
            found = [q[0] for (c, _), q in self._queues.items() if c == creator_id]
        return sorted(found, key=lambda lease: (lease.since or datetime.max, lease.target))

    def first_holder(self, creator_id: str) -> Lease[Owner] | None:
        found = self.holders(creator_id)
        return found[0] if found else None

    def has_agent(self, creator_id: str, agent_id: str) -> bool:
        """Whether a connection of agent `agent_id` is live (holder or standby)."""
        with self._lock:
            return any(
                lease.agent_id == agent_id
                for (c, _), queue in self._queues.items()
                if c == creator_id
                for lease in queue
            )

    def ran_since(self, creator_id: str, at_ms: int) -> bool:
        """Whether some agent of the creator held a lease at any moment since `at_ms`."""
        with self._lock:
            if any(c == creator_id for c, _ in self._queues):
                return True
            return self._ended_ms.get(creator_id, -1) >= at_ms

    # -- agent.status --------------------------------------------------------------------

    def announce(self, creator_id: str, target: str) -> Announcement | None:
        """The target's holder to announce now, or None when that is what was announced
        last (nothing to say). Records it as announced: call it inside the transaction
        that logs the event, so the log's last word is always the present holder."""
        key = (creator_id, target)
        with self._lock:
            queue = self._queues.get(key)
            now = queue[0].agent_id if queue else None
            if self._announced.get(key) == now:
                return None
            if now is None:
                del self._announced[key]
            else:
                self._announced[key] = now
            return Announcement(creator_id, target, now)
