"""Login, refresh, logout and password change: everything that proves or ends a login."""

import logging
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.database import Database
from users.accounts.models import User
from users.accounts.repository import UserRepository
from users.auth.errors import (
    InvalidCredentials,
    InvalidRefreshToken,
    WeakPassword,
    WrongCurrentPassword,
)
from users.auth.passwords import MAX_PASSWORD_LENGTH, PasswordHasher, password_policy_violations
from users.auth.repository import RefreshTokenRepository
from users.auth.tokens import TokenIssuer, TokenPair, refresh_token_hash

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


async def _start_login(
    *, session: AsyncSession, token_issuer: TokenIssuer, user: User, now: datetime
) -> TokenPair:
    tokens = RefreshTokenRepository(session)
    family = await tokens.start_family(user_id=user.id)
    refresh_token = token_issuer.refresh_token(now=now)
    await tokens.add_token(
        family_id=family.id,
        token_hash=refresh_token.token_hash,
        expires_at=refresh_token.expires_at,
    )
    access_token = token_issuer.access_token(user_id=user.id, role=user.role, now=now)
    return token_issuer.pair(access_token=access_token, refresh_token=refresh_token)


async def login(
    *,
    session: AsyncSession,
    password_hasher: PasswordHasher,
    token_issuer: TokenIssuer,
    login: str,
    password: str,
) -> TokenPair:
    """A new token pair for a username or email and its password.

    Unknown login, wrong password and deactivated account raise the same error after the same
    work: one Argon2 verification each (against a decoy hash when there is no account).
    """
    users = UserRepository(session)
    user = await users.find_by_login(login) if len(login) <= 320 else None
    if len(password) > MAX_PASSWORD_LENGTH:
        # No such password can exist; hashing megabytes of it would only cost us.
        raise InvalidCredentials()
    if user is None:
        await password_hasher.spend_verification_time(password)
        raise InvalidCredentials()
    matches, new_hash = await password_hasher.verify_and_update(password, user.password_hash)
    if not matches or not user.is_active:
        raise InvalidCredentials()
    if new_hash is not None:
        # The cost parameters changed since this hash was made: store it with the new ones.
        user.password_hash = new_hash
        await users.flush()
    return await _start_login(session=session, token_issuer=token_issuer, user=user, now=_now())


async def _revoke_on_reuse(*, database: Database, token_hash: bytes, now: datetime) -> None:
    """A used token came back: someone holds a copy, so its whole family ends.

    In a transaction of its own, because the request's transaction rolls back with the 401
    it answers. The request's transaction holds no lock here (its claim matched no row).
    """
    async with database.sessionmaker() as session, session.begin():
        tokens = RefreshTokenRepository(session)
        token = await tokens.find(token_hash=token_hash)
        if token is None or token.used_at is None:
            return
        if await tokens.revoke_family(token.family_id, reason="reuse-detected", now=now):
            logger.warning(
                "refresh token reused: family revoked",
                extra={"refresh_token_family": str(token.family_id)},
            )


async def refresh(
    *,
    session: AsyncSession,
    database: Database,
    token_issuer: TokenIssuer,
    refresh_token: str,
) -> TokenPair:
    """Exchange a refresh token for a new pair; the presented one is used up.

    The new access token carries the account's current role, so a role change reaches the
    other services with the next refresh.
    """
    now = _now()
    token_hash = refresh_token_hash(refresh_token)
    tokens = RefreshTokenRepository(session)
    family_id = await tokens.claim(token_hash=token_hash, now=now)
    if family_id is None:
        await _revoke_on_reuse(database=database, token_hash=token_hash, now=now)
        raise InvalidRefreshToken()
    family = await tokens.lock_family(family_id)
    if family is None or family.revoked_at is not None:
        raise InvalidRefreshToken()
    user = await UserRepository(session).get(family.user_id)
    if user is None or not user.is_active:
        raise InvalidRefreshToken()
    next_token = token_issuer.refresh_token(now=now)
    await tokens.add_token(
        family_id=family.id, token_hash=next_token.token_hash, expires_at=next_token.expires_at
    )
    access_token = token_issuer.access_token(user_id=user.id, role=user.role, now=now)
    return token_issuer.pair(access_token=access_token, refresh_token=next_token)


async def logout(*, session: AsyncSession, refresh_token: str) -> None:
    """End the login the refresh token belongs to. Unknown tokens are ignored (idempotent)."""
    tokens = RefreshTokenRepository(session)
    token = await tokens.find(token_hash=refresh_token_hash(refresh_token))
    if token is not None:
        await tokens.revoke_family(token.family_id, reason="logout", now=_now())


async def end_all_logins(*, session: AsyncSession, user_id: uuid.UUID, reason: str) -> None:
    """Revoke every refresh token of the account; its access tokens live on until expiry."""
    await RefreshTokenRepository(session).revoke_all_families(user_id, reason=reason, now=_now())


async def change_password(
    *,
    session: AsyncSession,
    password_hasher: PasswordHasher,
    user: User,
    current_password: str,
    new_password: str,
) -> None:
    """Set a new password (the current one proves it is the owner) and end every login."""
    matches, _ = await password_hasher.verify_and_update(current_password, user.password_hash)
    if not matches:
        raise WrongCurrentPassword()
    reasons = password_policy_violations(new_password, username=user.username, email=user.email)
    if reasons:
        raise WeakPassword(reasons)
    user.password_hash = await password_hasher.hash(new_password)
    await UserRepository(session).flush()
    await end_all_logins(session=session, user_id=user.id, reason="password-changed")
