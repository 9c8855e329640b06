"""Access tokens (JWT, EdDSA) and refresh tokens (opaque, random, stored only hashed)."""

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from users.accounts.models import Role
from users.keys.key_ring import KeyRing
from users.settings import UsersSettings

SIGNING_ALGORITHM = "EdDSA"
# secrets.token_urlsafe(32): 32 random bytes in unpadded base64url, always 43 characters.
_REFRESH_TOKEN_BYTES = 32
_ISSUED_REFRESH_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class TokenPair:
    """What a login or a refresh hands out, named as the token response names it (RFC 6749
    section 5.1), so that it serializes as one (users.auth.schemas.TokenResponse)."""

    access_token: str
    # Of the access token, in seconds.
    expires_in: int
    refresh_token: str
    refresh_token_expires_in: int


@dataclass(frozen=True)
class NewRefreshToken:
    token: str
    token_hash: bytes
    issued_at: datetime
    expires_at: datetime


def refresh_token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def could_be_issued_refresh_token(token: str) -> bool:
    """Whether `token` has the shape of the refresh tokens we issue: anything else is refused
    without asking the database."""
    return _ISSUED_REFRESH_TOKEN.fullmatch(token) is not None


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
        refresh_token_absolute_lifetime: timedelta,
    ) -> None:
        self._key_ring = key_ring
        self._issuer = issuer
        self._audience = audience
        self.access_token_ttl = access_token_ttl
        self.refresh_token_ttl = refresh_token_ttl
        self.refresh_token_absolute_lifetime = refresh_token_absolute_lifetime

    @classmethod
    def from_settings(cls, settings: UsersSettings, *, key_ring: KeyRing) -> "TokenIssuer":
        return cls(
            key_ring=key_ring,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            access_token_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            refresh_token_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
            refresh_token_absolute_lifetime=timedelta(
                seconds=settings.refresh_token_absolute_lifetime_seconds
            ),
        )

    def access_token(self, *, user_id: uuid.UUID, role: Role, now: datetime) -> str:
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

    def login_ends_at(self, login_started_at: datetime) -> datetime:
        """When a login ends however often it is refreshed (the absolute lifetime)."""
        return login_started_at + self.refresh_token_absolute_lifetime

    def refresh_token(self, *, now: datetime, login_started_at: datetime) -> NewRefreshToken:
        """The next token of a login: valid for the sliding lifetime, but never beyond the
        login's absolute end."""
        token = secrets.token_urlsafe(_REFRESH_TOKEN_BYTES)
        return NewRefreshToken(
            token=token,
            token_hash=refresh_token_hash(token),
            issued_at=now,
            expires_at=min(now + self.refresh_token_ttl, self.login_ends_at(login_started_at)),
        )

    def pair(self, *, access_token: str, refresh_token: NewRefreshToken) -> TokenPair:
        return TokenPair(
            access_token=access_token,
            expires_in=int(self.access_token_ttl.total_seconds()),
            refresh_token=refresh_token.token,
            refresh_token_expires_in=int(
                (refresh_token.expires_at - refresh_token.issued_at).total_seconds()
            ),
        )
