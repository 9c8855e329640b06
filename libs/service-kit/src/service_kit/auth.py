"""Access-token verification, local to every service, against the users service's JWKS.

PyJWT does the cryptography and claim checks. What is ours is the key cache: keys are fetched
once, reused while fresh, refetched when a token names an unknown key id (a rotation) but at
most once per interval (so garbage tokens cannot make us hammer the users service), and kept
when a refetch fails (so a brief users outage does not log anyone out).
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service_kit.problems import Forbidden, Unauthorized

logger = logging.getLogger(__name__)

# Fixed here, never taken from the token: "none", HS256-with-the-public-key and friends fail.
ACCEPTED_ALGORITHMS = ["EdDSA"]
REQUIRED_CLAIMS = ["sub", "role", "iss", "aud", "iat", "exp", "jti"]
ADMIN_ROLE = "admin"

JwksSource = Callable[[], Awaitable[dict[str, Any]]]
# After a failed fetch (users not up yet, say) the next try may come sooner than the normal
# interval: that one protects users from garbage kids, not from our own recovery.
RETRY_AFTER_FAILED_FETCH_SECONDS = 1.0


class InvalidToken(Unauthorized):
    code = "invalid-token"
    title = "Invalid access token"
    default_headers: ClassVar = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the access token says."""

    user_id: uuid.UUID
    role: str
    token_id: str
    expires_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN_ROLE


def http_jwks_source(client: httpx.AsyncClient, url: str) -> JwksSource:
    async def fetch() -> dict[str, Any]:
        response = await client.get(url)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    return fetch


class TokenVerifier:
    def __init__(
        self,
        *,
        jwks_source: JwksSource,
        issuer: str,
        audience: str,
        min_refetch_interval_seconds: float,
        max_age_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch_jwks = jwks_source
        self._issuer = issuer
        self._audience = audience
        self._min_refetch_interval = min_refetch_interval_seconds
        self._max_age = max_age_seconds
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._last_fetch_failed = False
        self._lock = asyncio.Lock()

    async def refresh_keys(self) -> bool:
        """Fetch the key set now. Keeps the old keys and returns False when that fails."""
        async with self._lock:
            return await self._refresh_locked()

    async def _refresh_locked(self) -> bool:
        self._fetched_at = self._clock()
        try:
            document = await self._fetch_jwks()
            key_set = jwt.PyJWKSet.from_dict(document)
        except (httpx.HTTPError, jwt.PyJWKSetError, ValueError, KeyError) as error:
            logger.warning("could not refresh signing keys", extra={"error": repr(error)})
            self._last_fetch_failed = True
            return False
        self._keys = {key.key_id: key for key in key_set.keys if key.key_id}
        self._last_fetch_failed = False
        return True

    async def _key_for(self, key_id: str) -> jwt.PyJWK | None:
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self._max_age
        if key_id in self._keys and not stale:
            return self._keys[key_id]
        async with self._lock:
            # Another request may have refreshed while we waited for the lock.
            if key_id not in self._keys or stale:
                interval = self._min_refetch_interval
                if self._last_fetch_failed:
                    interval = min(interval, RETRY_AFTER_FAILED_FETCH_SECONDS)
                may_refetch = (
                    self._fetched_at is None or self._clock() - self._fetched_at >= interval
                )
                if may_refetch:
                    await self._refresh_locked()
            return self._keys.get(key_id)

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken("The access token is malformed.") from error
        if header.get("alg") not in ACCEPTED_ALGORITHMS:
            raise InvalidToken("The access token is not signed with an accepted algorithm.")
        key_id = header.get("kid")
        if not isinstance(key_id, str) or not key_id:
            raise InvalidToken("The access token names no signing key.")
        key = await self._key_for(key_id)
        if key is None:
            raise InvalidToken("The access token is signed with an unknown key.")
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=ACCEPTED_ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS},
            )
            return Principal(
                user_id=uuid.UUID(claims["sub"]),
                role=str(claims["role"]),
                token_id=str(claims["jti"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("The access token has expired.") from error
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise InvalidToken("The access token is not valid.") from error


_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/users/auth/login")


async def _current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized(
            "This endpoint needs a bearer access token.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(credentials.credentials)


async def _admin_principal(
    principal: Annotated[Principal, Depends(_current_principal)],
) -> Principal:
    if not principal.is_admin:
        raise Forbidden("This needs the admin role.")
    return principal


CurrentUser = Annotated[Principal, Depends(_current_principal)]
RequireAdmin = Annotated[Principal, Depends(_admin_principal)]
