"""What admins do to accounts: list, read, deactivate and reactivate, change roles, erase."""

import uuid
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.pagination import PageOfRows
from service_kit.problems import Forbidden
from service_kit.timestamps import utc_day_range
from users.accounts.erasure import ErasedNames
from users.accounts.errors import AccountErased, AccountNotFound
from users.accounts.models import ErasedBy, Role, User
from users.accounts.repository import ErasedAccountRepository, UserRepository
from users.accounts.service import erase_account, get_active_account
from users.admin.errors import AccountActive, OwnAccountDeactivation, OwnAdminRole
from users.admin.schemas import AccountStatistics, RoleChange, SignupsOnDay
from users.auth.service import end_all_logins


async def _missing(session: AsyncSession, user_id: uuid.UUID) -> AccountNotFound | AccountErased:
    """Why no account has this id: it never existed, or it was erased (which orders, still
    holding the id, may send an admin to look up)."""
    erased = await ErasedAccountRepository(session).get(user_id)
    if erased is None:
        return AccountNotFound(f"No account has the id {user_id}.")
    return AccountErased(
        f"The account {user_id} was erased at {erased.erased_at.isoformat()}.",
        erased_at=erased.erased_at.isoformat(),
    )


async def get_acting_admin(*, session: AsyncSession, user_id: uuid.UUID) -> User:
    """The calling admin's account, which must still be an active admin right now."""
    user = await get_active_account(session=session, user_id=user_id)
    if user.role != Role.ADMIN:
        raise Forbidden("This needs the admin role.")
    return user


async def get_account(*, session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await UserRepository(session).get(user_id)
    if user is None:
        raise await _missing(session, user_id)
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
        raise await _missing(session, user_id)
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


async def erase_deactivated_account(
    *, session: AsyncSession, erased_names: ErasedNames, user_id: uuid.UUID
) -> None:
    """Erase a deactivated account (users.accounts.erasure); an account already erased is
    left as it is (idempotent). The acting admin's own account is active, so never erased
    here."""
    # Locked: a reactivation waits for the erasure, or commits first and is seen.
    user = await UserRepository(session).get(user_id, lock=True)
    if user is None:
        if await ErasedAccountRepository(session).get(user_id) is not None:
            return
        raise AccountNotFound(f"No account has the id {user_id}.")
    if user.is_active:
        raise AccountActive("Only a deactivated account is erased; deactivate it first.")
    await erase_account(
        session=session, account=user, erased_by=ErasedBy.ADMIN, erased_names=erased_names
    )


async def account_statistics(
    *, session: AsyncSession, date_from: date | None, date_to: date | None, today: date
) -> AccountStatistics:
    """Accounts by role and by state, and sign-ups per UTC day over a range (by default the
    last 30 days up to `today`)."""
    start, end = utc_day_range(date_from=date_from, date_to=date_to, today=today)
    users = UserRepository(session)
    counts = await users.count_by_role_and_state()
    signups = await users.count_signups_per_day(start=start, end=end)
    # Erased accounts (state None) are no account any more: counted apart, and in the
    # sign-ups of their day.
    existing = {key: n for key, n in counts.items() if key[1] is not None}
    return AccountStatistics(
        total=sum(existing.values()),
        by_role={role: sum(n for (r, _), n in existing.items() if r == role) for role in Role},
        active=sum(n for (_, is_active), n in existing.items() if is_active),
        inactive=sum(n for (_, is_active), n in existing.items() if is_active is False),
        erased=sum(n for (_, is_active), n in counts.items() if is_active is None),
        date_from=start,
        date_to=end,
        signups_per_day=[
            SignupsOnDay(date=day, count=signups.get(day, 0))
            for day in (start + timedelta(days=offset) for offset in range((end - start).days + 1))
        ],
    )
