"""Accounts: registration, the owner's profile, and what admins do to accounts."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.database import Database
from service_kit.problems import Forbidden
from users.accounts.errors import (
    AccountInactive,
    AccountNotFound,
    OwnAccountDeactivation,
    OwnAdminRole,
)
from users.accounts.models import Role, User
from users.accounts.repository import UserRepository
from users.auth import service as auth_service
from users.auth.errors import WeakPassword
from users.auth.passwords import PasswordHasher, password_policy_violations


@dataclass(frozen=True)
class AccountPage:
    items: Sequence[User]
    total: int
    limit: int
    offset: int


async def register(
    *,
    database: Database,
    password_hasher: PasswordHasher,
    email: str,
    username: str,
    password: str,
    full_name: str | None = None,
    role: Role = Role.CUSTOMER,
) -> User:
    """A new active account. `email` must already be normalized (lower case).

    Its own statements, not the request's transaction: the Argon2 hash is computed between
    the check (one autocommit read) and the insert, while no connection is held.
    """
    reasons = password_policy_violations(password, username=username, email=email)
    if reasons:
        raise WeakPassword(reasons)
    # Checked first for a clear answer without paying for a hash; the unique indexes still
    # decide when two registrations race (the repository turns that into the same 409).
    async with database.read_sessionmaker() as session:
        await UserRepository(session).ensure_available(email=email, username=username)
    password_hash = await password_hasher.hash(password)
    user = User(
        email=email,
        username=username,
        full_name=full_name,
        password_hash=password_hash,
        role=role.value,
        is_active=True,
    )
    async with database.sessionmaker.begin() as session:
        return await UserRepository(session).add(user)


async def get_account(*, session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await UserRepository(session).get(user_id)
    if user is None:
        raise AccountNotFound()
    return user


async def get_own_account(*, session: AsyncSession, user_id: uuid.UUID) -> User:
    """The caller's account; its access token stops counting once it is deactivated."""
    user = await UserRepository(session).get(user_id)
    if user is None or not user.is_active:
        raise AccountInactive()
    return user


async def get_acting_admin(*, session: AsyncSession, user_id: uuid.UUID) -> User:
    """The calling admin's account, which must still be an active admin right now."""
    user = await get_own_account(session=session, user_id=user_id)
    if user.role != Role.ADMIN:
        raise Forbidden("This needs the admin role.")
    return user


async def update_profile(
    *,
    session: AsyncSession,
    user: User,
    changes: dict[str, str | None],
) -> User:
    """Apply the given fields (full_name, bio, email); an email taken by another is a 409."""
    for field in ("full_name", "bio", "email"):
        if field in changes:
            setattr(user, field, changes[field])
    await UserRepository(session).flush()
    return user


async def list_accounts(
    *,
    session: AsyncSession,
    search: str | None,
    role: Role | None,
    is_active: bool | None,
    limit: int,
    offset: int,
) -> AccountPage:
    items, total = await UserRepository(session).search(
        text=search,
        role=role.value if role is not None else None,
        is_active=is_active,
        limit=limit,
        offset=offset,
    )
    return AccountPage(items=items, total=total, limit=limit, offset=offset)


async def set_active(
    *, session: AsyncSession, acting_admin_id: uuid.UUID, user_id: uuid.UUID, active: bool
) -> User:
    """Deactivate (ending every login at once) or reactivate an account. Idempotent."""
    if not active and user_id == acting_admin_id:
        raise OwnAccountDeactivation()
    # Locked: a login being recorded for this account finishes first (and is revoked
    # below), or waits and then sees the account inactive.
    user = await UserRepository(session).get_for_update(user_id)
    if user is None:
        raise AccountNotFound()
    if user.is_active != active:
        user.is_active = active
        if not active:
            # Every login granted before this moment is dead, also one no revocation saw.
            user.credentials_version += 1
        await UserRepository(session).flush()
        if not active:
            # Also so that reactivating later does not bring old logins back.
            await auth_service.end_all_logins(
                session=session, user_id=user.id, reason="deactivated"
            )
    return user


async def change_role(
    *, session: AsyncSession, acting_admin_id: uuid.UUID, user_id: uuid.UUID, role: Role
) -> User:
    """Set the role; it reaches other services with the account's next token refresh."""
    if user_id == acting_admin_id and role != Role.ADMIN:
        raise OwnAdminRole()
    user = await get_account(session=session, user_id=user_id)
    if user.role != role.value:
        user.role = role.value
        await UserRepository(session).flush()
    return user
