"""Access tokens (JWT, EdDSA) and refresh tokens (opaque, random, stored only hashed)."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from users.auth.keys import KeyRing

SIGNING_ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_token_expires_in: int
    refresh_token: str
    refresh_token_expires_in: int


@dataclass(frozen=True)
class NewRefreshToken:
    token: str
    token_hash: bytes
    expires_at: datetime


def refresh_token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class TokenIssuer:
    """Signs access tokens and mints refresh tokens with the configured lifetimes."""

    def __init__(
        self,
        *,
        key_ring: KeyRing,
        issuer: str,
        audience: str,
        access_token_ttl: timedelta,
        refresh_token_ttl: timedelta,
    ) -> None:
        self._key_ring = key_ring
        self._issuer = issuer
        self._audience = audience
        self.access_token_ttl = access_token_ttl
        self.refresh_token_ttl = refresh_token_ttl

    def access_token(self, *, user_id: uuid.UUID, role: str, now: datetime) -> str:
        claims = {
            "sub": str(user_id),
            "role": role,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": int(now.timestamp()),
            "exp": int((now + self.access_token_ttl).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(
            claims,
            self._key_ring.signing_key,
            algorithm=SIGNING_ALGORITHM,
            headers={"kid": self._key_ring.signing_key_id},
        )

    def refresh_token(self, *, now: datetime) -> NewRefreshToken:
        token = secrets.token_urlsafe(32)
        return NewRefreshToken(
            token=token,
            token_hash=refresh_token_hash(token),
            expires_at=now + self.refresh_token_ttl,
        )

    def pair(self, *, access_token: str, refresh_token: NewRefreshToken) -> TokenPair:
        return TokenPair(
            access_token=access_token,
            access_token_expires_in=int(self.access_token_ttl.total_seconds()),
            refresh_token=refresh_token.token,
            refresh_token_expires_in=int(self.refresh_token_ttl.total_seconds()),
        )
