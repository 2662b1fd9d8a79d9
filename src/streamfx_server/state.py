"""Everything a request handler needs, built once by `create_app`."""

from __future__ import annotations

from dataclasses import dataclass, field

from .agent_leases import AgentLeases
from .infra.db import Database
from .infra.hash_slots import HashSlots
from .infra.hub import Hub, Subscriber
from .infra.ratelimit import FailureLimiter
from .infra.settings import Settings
from .infra.tokens import TokenCodec
from .webhooks import HookSecrets


@dataclass
class AppState:
    settings: Settings
    db: Database
    tokens: TokenCodec
    email_failures: FailureLimiter
    client_failures: FailureLimiter
    hub: Hub
    # Sign-up attempts per client address (every attempt counts, not only failures).
    signups: FailureLimiter
    hash_slots: HashSlots
    # Webhook rules' secrets, derived from the server's key (webhooks.py), and the calls
    # each hook may take per minute.
    hook_secrets: HookSecrets
    hook_calls: FailureLimiter
    # Which agent connection draws for each of a creator's OBS targets (in memory).
    agent_leases: AgentLeases[Subscriber] = field(default_factory=AgentLeases)
