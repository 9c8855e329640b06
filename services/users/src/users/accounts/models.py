import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from service_kit.database import StringEnum, TimestampedMixin
from users.models import Base


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"


class ErasedBy(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"


class NameKind(enum.StrEnum):
    EMAIL = "email"
    USERNAME = "username"


class User(TimestampedMixin, Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Stored normalized (lower case), so a plain unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    # Stored as typed (shown as the owner wrote it), unique regardless of case.
    username: Mapped[str] = mapped_column(String(50))
    full_name: Mapped[str | None] = mapped_column(String(200))
    bio: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(StringEnum(Role, 20), default=Role.CUSTOMER)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised by everything that ends every login of the account (a password change, a
    # deactivation). A login records the value it was granted under; creating its family and
    # every refresh check it against this one, under a row lock, so no login that raced the
    # change outlives it (users.auth.service).
    credentials_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        CheckConstraint("role IN ('customer', 'admin')", name="role_known"),
        CheckConstraint("email = lower(email)", name="email_normalized"),
        # Also what login and the duplicate check look usernames up by.
        Index("uq_users_lower_username", func.lower(username), unique=True),
    )
    # updated_at comes back in the UPDATE's RETURNING: no lazy load after a flush.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    def __repr__(self) -> str:
        # Never the password hash (nor anything else personal) in a log line or a trace.
        return f"User(id={self.id!s}, role={self.role}, is_active={self.is_active})"


class ErasedAccount(Base):
    """What is left of an erased account: its id (which orders keep on their orders), role and
    dates, and nothing personal. Its `users` row is deleted, and with it every login."""

    __tablename__ = "erased_accounts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    role: Mapped[Role] = mapped_column(StringEnum(Role, 20))
    # When the account was registered: the statistics keep counting its sign-up.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    erased_by: Mapped[ErasedBy] = mapped_column(StringEnum(ErasedBy, 20))

    __table_args__ = (
        CheckConstraint("role IN ('customer', 'admin')", name="role_known"),
        CheckConstraint("erased_by IN ('owner', 'admin')", name="erased_by_known"),
    )

    def __repr__(self) -> str:
        return f"ErasedAccount(id={self.id!s}, erased_at={self.erased_at})"


class ErasedName(Base):
    """An erased account's username or email, refused to new accounts until `held_until`.

    Only a keyed digest (HMAC-SHA256 of the normalized name, users.accounts.erasure): enough
    to recognise the name when someone registers it, useless to anyone reading the table
    without the key; and nothing ties it to the account's id.
    """

    __tablename__ = "erased_names"

    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    kind: Mapped[NameKind] = mapped_column(StringEnum(NameKind, 20))
    held_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    __table_args__ = (CheckConstraint("kind IN ('email', 'username')", name="kind_known"),)
