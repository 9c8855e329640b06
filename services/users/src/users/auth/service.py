"""Login, refresh, logout and password change: everything that proves or ends a login.

Two rules keep these paths from taking the service down under a flood:

- Argon2id never runs inside a transaction or while a database connection is held: it takes
  a quarter of a CPU-second on purpose, and a held connection is one of the few PgBouncer
  server connections for every request of the service. So the flows that check or set a
  password read (one autocommit statement), release the connection, hash, then write in one
  short transaction. They own their transactions for that reason, instead of taking the
  request's (SessionDep).
- A request uses one connection at a time and at most one transaction: a request that
  waited for a second connection while holding the first could wait on itself once the
  pool is exhausted. What an outsider can send for free (a refresh or logout with a made-up
  token, a login with a wrong password) costs autocommit statements only: in transaction
  pooling such a statement holds a server connection only while Postgres runs it, a
  transaction holds one for all of its round trips to this process. And refreshes and
  logouts take turns at the database (REFRESH_CONCURRENCY, service_kit.bulkhead), so a flood
  of them leaves room for everything else.

Revocation: every event that ends all of an account's logins (password change,
deactivation) raises the account's credentials version under a row lock and revokes its
families in the same transaction. A login records the version its password was verified
under and creates its family only if that is still the account's version, under a share
lock on the account; every refresh checks it again. So a login racing a revocation either
commits first and is revoked with the others, or sees the new version and fails.
"""

import logging
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.bulkhead import Bulkhead
from service_kit.database import Database
from users.accounts.errors import AccountInactive
from users.accounts.models import User
from users.accounts.repository import UserRepository
from users.auth.errors import (
    CredentialsChanged,
    InvalidCredentials,
    InvalidRefreshToken,
    WeakPassword,
    WrongCurrentPassword,
)
from users.auth.passwords import MAX_PASSWORD_LENGTH, PasswordHasher, password_policy_violations
from users.auth.repository import PresentedRefreshToken, RefreshTokenRepository
from users.auth.tokens import (
    TokenIssuer,
    TokenPair,
    could_be_issued_refresh_token,
    refresh_token_hash,
)

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


async def _record_login(
    *,
    session: AsyncSession,
    token_issuer: TokenIssuer,
    verified: User,
    new_hash: str | None,
    now: datetime,
) -> TokenPair:
    """Start a family for an account whose password was just verified against `verified`
    (as read before hashing), unless its credentials changed since."""
    users = UserRepository(session)
    if new_hash is not None:
        # First, so the strongest lock on the row is taken first (no upgrade deadlock
        # between two logins of one account).
        await users.replace_outdated_hash(
            verified.id, old_hash=verified.password_hash, new_hash=new_hash
        )
    account = await users.lock_for_login(verified.id)
    if (
        account is None
        or not account.is_active
        or account.credentials_version != verified.credentials_version
    ):
        # Deactivated, or its password changed, while this login's password was checked.
        raise InvalidCredentials()
    refresh_token = token_issuer.refresh_token(now=now, login_started_at=now)
    await RefreshTokenRepository(session).start_login(
        user_id=account.id,
        credentials_version=account.credentials_version,
        first_token=refresh_token,
    )
    access_token = token_issuer.access_token(user_id=account.id, role=account.role, now=now)
    return token_issuer.pair(access_token=access_token, refresh_token=refresh_token)


async def login(
    *,
    database: Database,
    password_hasher: PasswordHasher,
    token_issuer: TokenIssuer,
    login: str,
    password: str,
) -> TokenPair:
    """A new token pair for a username or email and its password.

    Unknown login, wrong password and deactivated account raise the same error after the same
    work: one Argon2 verification each (against a decoy hash when there is no account).
    """
    if len(password) > MAX_PASSWORD_LENGTH:
        # No such password can exist; hashing megabytes of it would only cost us.
        raise InvalidCredentials()
    async with database.read_sessionmaker() as session:
        user = await UserRepository(session).find_by_login(login)
    # The connection is released: the hashing below holds none.
    if user is None:
        await password_hasher.spend_verification_time(password)
        raise InvalidCredentials()
    matches, new_hash = await password_hasher.verify_and_update(password, user.password_hash)
    if not matches or not user.is_active:
        raise InvalidCredentials()
    async with database.sessionmaker.begin() as session:
        return await _record_login(
            session=session,
            token_issuer=token_issuer,
            verified=user,
            new_hash=new_hash,
            now=_now(),
        )


def _still_valid(
    presented: PresentedRefreshToken, *, token_issuer: TokenIssuer, now: datetime
) -> bool:
    return (
        presented.expires_at > now
        and presented.login_revoked_at is None
        and now < token_issuer.login_ends_at(presented.login_started_at)
        and presented.account_is_active
        and presented.login_credentials_version == presented.account_credentials_version
    )


async def _exchange(
    *, tokens: RefreshTokenRepository, token_issuer: TokenIssuer, token_hash: bytes, now: datetime
) -> TokenPair | None:
    """The next pair for a presented token, or None when it is refused. A token presented
    again after it was used means two parties hold it: its whole family is revoked."""
    presented = await tokens.find_for_refresh(token_hash=token_hash)
    if presented is None:
        return None  # pruned since it was looked up
    if presented.used_at is not None:
        if await tokens.revoke_family(presented.family_id, reason="reuse-detected", now=now):
            logger.warning(
                "refresh token reused: family revoked",
                extra={"refresh_token_family": str(presented.family_id)},
            )
        return None
    if not _still_valid(presented, token_issuer=token_issuer, now=now):
        return None
    await tokens.mark_used(presented.token_id, now=now)
    next_token = token_issuer.refresh_token(now=now, login_started_at=presented.login_started_at)
    await tokens.add_token(family_id=presented.family_id, token=next_token)
    access_token = token_issuer.access_token(
        user_id=presented.user_id, role=presented.role, now=now
    )
    return token_issuer.pair(access_token=access_token, refresh_token=next_token)


async def refresh(
    *,
    database: Database,
    refresh_turns: Bulkhead,
    token_issuer: TokenIssuer,
    refresh_token: str,
) -> TokenPair:
    """Exchange a refresh token for a new pair; the presented one is used up.

    The new access token carries the account's current role, so a role change reaches the
    other services with the next refresh.
    """
    if not could_be_issued_refresh_token(refresh_token):
        raise InvalidRefreshToken()
    token_hash = refresh_token_hash(refresh_token)
    async with refresh_turns.turn():
        # Only a token we know opens a transaction. A made-up one costs one autocommit
        # statement, which holds a PgBouncer server connection only while Postgres runs it,
        # never while waiting for this process between statements.
        async with database.read_sessionmaker() as session:
            known = await RefreshTokenRepository(session).family_of(token_hash=token_hash)
        if known is None:
            raise InvalidRefreshToken()
        async with database.sessionmaker.begin() as session:
            pair = await _exchange(
                tokens=RefreshTokenRepository(session),
                token_issuer=token_issuer,
                token_hash=token_hash,
                now=_now(),
            )
    # Raised after the commit: a revocation for reuse must stay although the answer is a 401.
    if pair is None:
        raise InvalidRefreshToken()
    return pair


async def logout(*, database: Database, refresh_turns: Bulkhead, refresh_token: str) -> None:
    """End the login the refresh token belongs to. Unknown tokens are ignored (idempotent);
    like a refresh, one autocommit lookup is all they cost."""
    if not could_be_issued_refresh_token(refresh_token):
        return
    async with refresh_turns.turn():
        async with database.read_sessionmaker() as session:
            family_id = await RefreshTokenRepository(session).family_of(
                token_hash=refresh_token_hash(refresh_token)
            )
        if family_id is None:
            return
        async with database.sessionmaker.begin() as session:
            await RefreshTokenRepository(session).revoke_family(
                family_id, reason="logout", now=_now()
            )


async def end_all_logins(*, session: AsyncSession, user_id: uuid.UUID, reason: str) -> None:
    """Revoke every refresh token of the account; its access tokens live on until expiry.

    The caller raises the account's credentials version in the same transaction first.
    """
    await RefreshTokenRepository(session).revoke_all_families(user_id, reason=reason, now=_now())


async def change_password(
    *,
    database: Database,
    password_hasher: PasswordHasher,
    user_id: uuid.UUID,
    current_password: str,
    new_password: str,
) -> None:
    """Set a new password (the current one proves it is the owner) and end every login."""
    async with database.read_sessionmaker() as session:
        user = await UserRepository(session).get(user_id)
    if user is None or not user.is_active:
        raise AccountInactive()
    reasons = password_policy_violations(new_password, username=user.username, email=user.email)
    if reasons:
        raise WeakPassword(reasons)
    matches, _ = await password_hasher.verify_and_update(current_password, user.password_hash)
    if not matches:
        raise WrongCurrentPassword()
    new_hash = await password_hasher.hash(new_password)
    async with database.sessionmaker.begin() as session:
        changed = await UserRepository(session).set_password(
            user.id, new_hash=new_hash, expected_credentials_version=user.credentials_version
        )
        if not changed:
            # Deactivated, or its password changed by another request, while these hashes ran.
            raise CredentialsChanged()
        await end_all_logins(session=session, user_id=user.id, reason="password-changed")
