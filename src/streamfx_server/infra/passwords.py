"""argon2id password hashing with a constant-cost path for unknown accounts."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# Defaults are argon2id, t=3, m=64 MiB, p=4 (RFC 9106's second recommendation).
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("streamfx-no-such-account")


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Verify, spending the same time whether or not the account exists."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def warm_up() -> None:
    """Compute the dummy hash at start-up so the first unknown-email login is not faster."""
    _dummy_hash()
