import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, func, or_, select, update
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

    async def get_for_update(self, user_id: uuid.UUID) -> User | None:
        """Locked until commit: a login or a password change racing this waits for it."""
        return await self._session.get(User, user_id, with_for_update=True)

    async def ensure_available(self, *, email: str, username: str) -> None:
        """EmailTaken or UsernameTaken when an account has either; one statement."""
        taken = await self._session.scalars(
            select(User.email).where(
                or_(User.email == email, func.lower(User.username) == username.lower())
            )
        )
        emails = set(taken)
        if email in emails:
            raise EmailTaken()
        if emails:
            raise UsernameTaken()

    async def lock_for_login(self, user_id: uuid.UUID) -> User | None:
        """The account, share-locked until commit: a password change or a deactivation
        either waits for the login being recorded (and then revokes it too) or has committed
        already, and then the login sees its new credentials version."""
        return await self._session.scalar(
            select(User).where(User.id == user_id).with_for_update(read=True)
        )

    async def replace_outdated_hash(
        self, user_id: uuid.UUID, *, old_hash: str, new_hash: str
    ) -> None:
        """The same password hashed with the current parameters, unless it changed meanwhile."""
        await self._session.execute(
            update(User)
            .where(User.id == user_id, User.password_hash == old_hash)
            .values(password_hash=new_hash)
            .execution_options(synchronize_session=False)
        )

    async def set_password(
        self, user_id: uuid.UUID, *, new_hash: str, expected_credentials_version: int
    ) -> bool:
        """Store a new password hash and raise the credentials version, if the account is
        still active and its credentials unchanged since they were checked; False if not."""
        changed = await self._session.scalar(
            update(User)
            .where(
                User.id == user_id,
                User.is_active.is_(True),
                User.credentials_version == expected_credentials_version,
            )
            .values(password_hash=new_hash, credentials_version=User.credentials_version + 1)
            .returning(User.id)
            .execution_options(synchronize_session=False)
        )
        return changed is not None

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
