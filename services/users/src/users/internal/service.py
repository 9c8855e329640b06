"""What other services may learn about accounts, over the internal API."""

import uuid
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from users.accounts.models import User
from users.accounts.repository import UserRepository


async def find_contacts(*, session: AsyncSession, ids: Collection[uuid.UUID]) -> list[User]:
    """The accounts among `ids` that exist; the others are left out."""
    return await UserRepository(session).find_many(ids)
