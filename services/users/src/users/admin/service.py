"""What admins do to accounts: list, read, deactivate and reactivate, change roles."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.pagination import PageOfRows
from service_kit.problems import Forbidden
from users.accounts.errors import AccountNotFound
from users.accounts.models import Role, User
from users.accounts.repository import UserRepository
from users.accounts.service import get_active_account
from users.admin.errors import OwnAccountDeactivation, OwnAdminRole
from users.admin.schemas import RoleChange
from users.auth.service import end_all_logins


def _not_found(user_id: uuid.UUID) -> AccountNotFound:
    return AccountNotFound(f"No account has the id {user_id}.")


async def get_acting_admin(*, session: AsyncSession, user_id: uuid.UUID) -> User:
    """The calling admin's account, which must still be an active admin right now."""
    user = await get_active_account(session=session, user_id=user_id)
    if user.role != Role.ADMIN:
        raise Forbidden("This needs the admin role.")
    return user


async def get_account(*, session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await UserRepository(session).get(user_id)
    if user is None:
        raise _not_found(user_id)
    return user


async def list_accounts(
    *,
    session: AsyncSession,
    search: str | None,
    role: Role | None,
    is_active: bool | None,
    limit: int,
    offset: int,
) -> PageOfRows[User]:
    return await UserRepository(session).search(
        text=search, role=role, is_active=is_active, limit=limit, offset=offset
    )


async def set_active(
    *, session: AsyncSession, acting_admin_id: uuid.UUID, user_id: uuid.UUID, active: bool
) -> User:
    """Deactivate (ending every login at once) or reactivate an account. Idempotent."""
    if not active and user_id == acting_admin_id:
        raise OwnAccountDeactivation("An admin cannot deactivate their own account.")
    users = UserRepository(session)
    # Locked: a login being recorded for this account finishes first (and is revoked
    # below), or waits and then sees the account inactive.
    user = await users.get(user_id, lock=True)
    if user is None:
        raise _not_found(user_id)
    if user.is_active != active:
        user.is_active = active
        if not active:
            # Every login granted before this moment is dead, also one no revocation saw.
            user.credentials_version += 1
        await users.flush()
        if not active:
            # Also so that reactivating later does not bring old logins back.
            await end_all_logins(session=session, user_id=user.id, reason="deactivated")
    return user


async def change_role(
    *, session: AsyncSession, acting_admin_id: uuid.UUID, user_id: uuid.UUID, change: RoleChange
) -> User:
    """Set the role; it reaches other services with the account's next token refresh."""
    if user_id == acting_admin_id and change.role != Role.ADMIN:
        raise OwnAdminRole(
            "An admin cannot remove their own admin role; another admin has to do it."
        )
    user = await get_account(session=session, user_id=user_id)
    if user.role != change.role:
        user.role = change.role
        await UserRepository(session).flush()
    return user
