import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.database import violated_constraint
from users.accounts.errors import EmailTaken, UsernameTaken
from users.accounts.models import User

_CONSTRAINT_ERRORS = {"uq_users_email": EmailTaken, "uq_users_lower_username": UsernameTaken}


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user: User) -> User:
        self._session.add(user)
        await self.flush()
        return user

    async def flush(self) -> None:
        """Write pending changes; a duplicate email or username is a 409, also in a race."""
        try:
            await self._session.flush()
        except IntegrityError as error:
            problem = _CONSTRAINT_ERRORS.get(violated_constraint(error) or "")
            if problem is None:
                raise
            # `from None`: the chained database error would carry the row, hash included.
            raise problem() from None

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self._session.get(User, user_id)

    async def email_exists(self, email: str) -> bool:
        query = select(User.id).where(User.email == email)
        return (await self._session.scalar(query)) is not None

    async def username_exists(self, username: str) -> bool:
        query = select(User.id).where(func.lower(User.username) == username.lower())
        return (await self._session.scalar(query)) is not None

    async def find_by_login(self, login: str) -> User | None:
        """By email when it has an @ (usernames cannot), otherwise by username; any case."""
        if "@" in login:
            condition = User.email == login.strip().lower()
        else:
            condition = func.lower(User.username) == login.strip().lower()
        return await self._session.scalar(select(User).where(condition))

    async def search(
        self,
        *,
        text: str | None,
        role: str | None,
        is_active: bool | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[User], int]:
        """One page, newest first (id breaks ties), and how many match in all."""
        conditions: list[ColumnElement[bool]] = []
        if text:
            pattern = f"%{_escape_like(text)}%"
            conditions.append(
                or_(
                    User.email.ilike(pattern, escape="\\"),
                    User.username.ilike(pattern, escape="\\"),
                    User.full_name.ilike(pattern, escape="\\"),
                )
            )
        if role is not None:
            conditions.append(User.role == role)
        if is_active is not None:
            conditions.append(User.is_active.is_(is_active))
        query: Select[User] = select(User).where(*conditions)
        total = await self._session.scalar(
            select(func.count()).select_from(User).where(*conditions)
        )
        page = await self._session.scalars(
            query.order_by(User.created_at.desc(), User.id.desc()).limit(limit).offset(offset)
        )
        return page.all(), total or 0
