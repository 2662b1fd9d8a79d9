"""Access tokens (HS256 JWT) and opaque refresh tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "sid", "jti"]
REFRESH_PREFIX = "sfr_"
VERIFIED_CACHE = 1024


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
        # Only tokens that verified are kept (an exception is never cached).
        self._verified = functools.lru_cache(maxsize=VERIFIED_CACHE)(self._verify)

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
        """The claims of a valid access token; raises TokenError("expired" or "invalid").

        A token seen valid before is not verified again (the signature and the claims
        cannot have changed; it is the same string): only its expiry is re-checked.
        Hotkeys and panels send the same token for its whole lifetime, and verifying
        it is a sizeable part of a trigger's time on the event loop.
        """
        claims = self._verified(token)
        if claims.expires_at <= time.time():  # as PyJWT: expired when exp <= now
            raise TokenError("expired")
        return claims

    def _verify(self, token: str) -> AccessClaims:
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
