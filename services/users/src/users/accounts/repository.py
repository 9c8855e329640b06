import uuid
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar

from sqlalchemy import ColumnElement, Date, cast, func, or_, select, update

from service_kit.pagination import PageOfRows
from service_kit.repository import Repository
from users.accounts.errors import EmailTaken, UsernameTaken
from users.accounts.models import Role, User


def _email_taken() -> EmailTaken:
    return EmailTaken("An account with this email address already exists.", field="email")


def _username_taken() -> UsernameTaken:
    return UsernameTaken("An account with this username already exists.", field="username")


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class UserRepository(Repository[User]):
    model = User
    # A duplicate email or username is a 409 also when two requests race past the check.
    constraint_problems: ClassVar = {
        "uq_users_email": _email_taken,
        "uq_users_lower_username": _username_taken,
    }

    async def ensure_available(self, *, email: str, username: str) -> None:
        """EmailTaken or UsernameTaken when an account has either; one statement."""
        taken = await self.session.scalars(
            select(User.email).where(
                or_(User.email == email, func.lower(User.username) == username.lower())
            )
        )
        emails = set(taken)
        if email in emails:
            raise _email_taken()
        if emails:
            raise _username_taken()

    async def lock_for_login(self, user_id: uuid.UUID) -> User | None:
        """The account, share-locked until commit: a password change or a deactivation
        either waits for the login being recorded (and then revokes it too) or has committed
        already, and then the login sees its new credentials version."""
        return await self.session.scalar(
            select(User).where(User.id == user_id).with_for_update(read=True)
        )

    async def replace_outdated_hash(
        self, user_id: uuid.UUID, *, old_hash: str, new_hash: str
    ) -> None:
        """The same password hashed with the current parameters, unless it changed meanwhile."""
        await self.session.execute(
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
        changed = await self.session.scalar(
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
        return await self.session.scalar(select(User).where(condition))

    async def count_by_role_and_state(self) -> dict[tuple[Role, bool], int]:
        """How many accounts have each role, active or not; one statement."""
        rows = await self.session.execute(
            select(User.role, User.is_active, func.count()).group_by(User.role, User.is_active)
        )
        return {(role, is_active): count for role, is_active, count in rows}

    async def count_signups_per_day(self, *, start: date, end: date) -> dict[date, int]:
        """Accounts created on each UTC day from `start` to `end` (days with none are left
        out); one statement."""
        day = cast(func.timezone("UTC", User.created_at), Date)
        rows = await self.session.execute(
            select(day, func.count())
            .where(
                User.created_at >= datetime.combine(start, time(), UTC),
                User.created_at < datetime.combine(end + timedelta(days=1), time(), UTC),
            )
            .group_by(day)
        )
        return dict(rows.all())

    async def search(
        self,
        *,
        text: str | None,
        role: Role | None,
        is_active: bool | None,
        limit: int,
        offset: int,
    ) -> PageOfRows[User]:
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
        return await self.paginate(
            select(User).where(*conditions).order_by(User.created_at.desc(), User.id.desc()),
            limit=limit,
            offset=offset,
        )

    async def find_many(self, ids: Collection[uuid.UUID]) -> list[User]:
        """The accounts with these ids that exist, in no particular order; one statement."""
        return list(await self.session.scalars(select(User).where(User.id.in_(ids))))
