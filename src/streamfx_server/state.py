"""Everything a request handler needs, built once by `create_app`."""

from __future__ import annotations

from dataclasses import dataclass

from .db import Database
from .hash_slots import HashSlots
from .hub import Hub
from .ratelimit import FailureLimiter
from .settings import Settings
from .tokens import TokenCodec


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
