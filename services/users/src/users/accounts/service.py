"""What every domain that acts for a caller asks of accounts."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from users.accounts.errors import AccountInactive
from users.accounts.models import User
from users.accounts.repository import UserRepository


async def get_active_account(*, session: AsyncSession, user_id: uuid.UUID) -> User:
    """The caller's account; its access token stops counting once it is deactivated."""
    user = await UserRepository(session).get(user_id)
    if user is None or not user.is_active:
        raise AccountInactive("The account of this access token is not active.")
    return user
