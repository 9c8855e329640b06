"""Registration, login, refresh and logout: everything that proves or ends a login.

Two rules keep these paths from taking the service down under a flood:

- Argon2id never runs inside a transaction or while a database connection is held: it takes
  a quarter of a CPU-second on purpose, and a held connection is one of the few PgBouncer
  server connections for every request of the service. So the flows that check or set a
  password read (one autocommit statement), release the connection, hash, then write in one
  short transaction. They own their transactions for that reason (`database=`), instead of
  taking the request's (SessionDep); so does the password change (users.me.service).
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
from users.accounts.erasure import ErasedNames
from users.accounts.models import NameKind, Role, User
from users.accounts.passwords import MAX_PASSWORD_LENGTH, PasswordHasher, check_password_policy
from users.accounts.repository import UserRepository
from users.auth.errors import InvalidCredentials, InvalidRefreshToken, RefreshBusy
from users.auth.repository import PresentedRefreshToken, RefreshTokenRepository
from users.auth.schemas import LoginForm, RefreshRequest, Registration
from users.auth.tokens import (
    TokenIssuer,
    TokenPair,
    could_be_issued_refresh_token,
    refresh_token_hash,
)
from users.settings import UsersSettings

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _invalid_credentials() -> InvalidCredentials:
    # One answer, word for word, for an unknown login, a wrong password and a deactivated
    # account: nothing tells which it was.
    return InvalidCredentials("The username or email and password do not match an active account.")


def _invalid_refresh_token() -> InvalidRefreshToken:
    return InvalidRefreshToken("The refresh token is not valid; log in again.")


def refresh_turns(settings: UsersSettings) -> Bulkhead:
    """Turns at the database for refreshes and logouts (REFRESH_CONCURRENCY waiting at most
    REFRESH_QUEUE_LIMIT): anyone can send these with a made-up token, so a flood of them is
    bounded apart from everything else (docs/auth.md, "Floods")."""
    return Bulkhead(
        concurrency=settings.refresh_concurrency,
        queue_limit=settings.refresh_queue_limit,
        busy=lambda: RefreshBusy(
            "The service is handling too many refreshes right now; try again in a moment."
        ),
    )


async def register(
    *,
    database: Database,
    password_hasher: PasswordHasher,
    erased_names: ErasedNames,
    registration: Registration,
    role: Role = Role.CUSTOMER,
) -> User:
    """A new active account (`registration.email` is normalized by its schema). An email or
    username an erased account still holds is refused like a taken one.

    Its own statements, not the request's transaction: the Argon2 hash is computed between
    the check (one autocommit read) and the insert, while no connection is held.
    """
    check_password_policy(
        registration.password, username=registration.username, email=registration.email
    )
    # Checked first for a clear answer without paying for a hash; the unique indexes still
    # decide when two registrations race (the repository turns that into the same 409).
    async with database.autocommit() as session:
        await UserRepository(session).ensure_available(
            email=registration.email,
            username=registration.username,
            email_digest=erased_names.digest(NameKind.EMAIL, registration.email),
            username_digest=erased_names.digest(NameKind.USERNAME, registration.username),
        )
    password_hash = await password_hasher.hash(registration.password)
    user = User(
        email=registration.email,
        username=registration.username,
        full_name=registration.full_name,
        password_hash=password_hash,
        role=role,
        is_active=True,
    )
    async with database.transaction() as session:
        return await UserRepository(session).add(user)


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
        raise _invalid_credentials()
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
    form: LoginForm,
) -> TokenPair:
    """A new token pair for a username or email and its password.

    Unknown login, wrong password and deactivated account raise the same error after the same
    work: one Argon2 verification each (against a decoy hash when there is no account).
    """
    if len(form.password) > MAX_PASSWORD_LENGTH:
        # No such password can exist; hashing a kilobyte of it would only cost us.
        raise _invalid_credentials()
    async with database.autocommit() as session:
        user = await UserRepository(session).find_by_login(form.username)
    # The connection is released: the hashing below holds none.
    if user is None:
        await password_hasher.spend_verification_time(form.password)
        raise _invalid_credentials()
    matches, new_hash = await password_hasher.verify_and_update(form.password, user.password_hash)
    if not matches or not user.is_active:
        raise _invalid_credentials()
    async with database.transaction() as session:
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
    presented: RefreshRequest,
) -> TokenPair:
    """Exchange a refresh token for a new pair; the presented one is used up.

    The new access token carries the account's current role, so a role change reaches the
    other services with the next refresh.
    """
    if not could_be_issued_refresh_token(presented.refresh_token):
        raise _invalid_refresh_token()
    token_hash = refresh_token_hash(presented.refresh_token)
    async with refresh_turns.turn():
        # Only a token we know opens a transaction. A made-up one costs one autocommit
        # statement, which holds a PgBouncer server connection only while Postgres runs it,
        # never while waiting for this process between statements.
        async with database.autocommit() as session:
            known = await RefreshTokenRepository(session).family_of(token_hash=token_hash)
        if known is None:
            raise _invalid_refresh_token()
        async with database.transaction() as session:
            pair = await _exchange(
                tokens=RefreshTokenRepository(session),
                token_issuer=token_issuer,
                token_hash=token_hash,
                now=_now(),
            )
    # Raised after the commit: a revocation for reuse must stay although the answer is a 401.
    if pair is None:
        raise _invalid_refresh_token()
    return pair


async def logout(*, database: Database, refresh_turns: Bulkhead, presented: RefreshRequest) -> None:
    """End the login the refresh token belongs to. Unknown tokens are ignored (idempotent);
    like a refresh, one autocommit lookup is all they cost."""
    if not could_be_issued_refresh_token(presented.refresh_token):
        return
    async with refresh_turns.turn():
        async with database.autocommit() as session:
            family_id = await RefreshTokenRepository(session).family_of(
                token_hash=refresh_token_hash(presented.refresh_token)
            )
        if family_id is None:
            return
        async with database.transaction() as session:
            await RefreshTokenRepository(session).revoke_family(
                family_id, reason="logout", now=_now()
            )


async def end_all_logins(*, session: AsyncSession, user_id: uuid.UUID, reason: str) -> None:
    """Revoke every refresh token of the account; its access tokens live on until expiry.

    The caller raises the account's credentials version in the same transaction first.
    """
    await RefreshTokenRepository(session).revoke_all_families(user_id, reason=reason, now=_now())
