"""What every domain that acts for a caller asks of accounts, and erasing one."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from users.accounts.erasure import ErasedNames
from users.accounts.errors import AccountInactive
from users.accounts.models import ErasedAccount, ErasedBy, NameKind, User
from users.accounts.repository import ErasedAccountRepository, ErasedNameRepository, UserRepository


async def get_active_account(*, session: AsyncSession, user_id: uuid.UUID) -> User:
    """The caller's account; its access token stops counting once it is deactivated."""
    user = await UserRepository(session).get(user_id)
    if user is None or not user.is_active:
        raise AccountInactive("The account of this access token is not active.")
    return user


async def erase_account(
    *, session: AsyncSession, account: User, erased_by: ErasedBy, erased_names: ErasedNames
) -> ErasedAccount:
    """Erase an account the caller has locked (users.accounts.erasure says what goes and
    what stays), in the caller's transaction: its row and every login are deleted, its
    username and email held back for the retention period."""
    now = datetime.now(UTC)
    await ErasedNameRepository(session).hold(
        {
            erased_names.digest(NameKind.EMAIL, account.email): NameKind.EMAIL,
            erased_names.digest(NameKind.USERNAME, account.username): NameKind.USERNAME,
        },
        held_until=erased_names.held_until(now),
    )
    erased = await ErasedAccountRepository(session).add(
        ErasedAccount(
            id=account.id,
            role=account.role,
            created_at=account.created_at,
            erased_at=now,
            erased_by=erased_by,
        )
    )
    await UserRepository(session).remove(account)
    return erased
