"""Access tokens (HS256 JWT) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "sid", "jti"]
REFRESH_PREFIX = "sfr_"


@dataclass(frozen=True)
class AccessClaims:
    creator_id: str
    family_id: str
    jti: str
    expires_at: int


class TokenError(Exception):
    """The token is not one of ours, or no longer valid."""


class TokenCodec:
    def __init__(self, key: bytes, issuer: str, audience: str, ttl: int) -> None:
        self._key = key
        self.issuer = issuer
        self.audience = audience
        self.ttl = ttl

    def issue(self, creator_id: str, family_id: str) -> str:
        issued = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": creator_id,
            "sid": family_id,
            "jti": secrets.token_urlsafe(12),
            "iat": issued,
            "exp": issued + self.ttl,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def decode(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],  # pinned: never trust the header's alg
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS, "enforce_minimum_key_length": True},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenError("expired") from exc
        except jwt.PyJWTError as exc:
            raise TokenError("invalid") from exc
        if not all(isinstance(claims[c], str) for c in ("sub", "sid", "jti")):
            raise TokenError("invalid")
        return AccessClaims(claims["sub"], claims["sid"], claims["jti"], int(claims["exp"]))


def new_refresh_token() -> str:
    return REFRESH_PREFIX + secrets.token_urlsafe(32)


def hash_secret(token: str) -> str:
    """Refresh tokens and overlay keys are high-entropy, so a plain SHA-256 is enough."""
    return hashlib.sha256(token.encode()).hexdigest()
