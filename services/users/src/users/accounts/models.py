import enum
import uuid

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from service_kit.database import StringEnum, TimestampedMixin
from users.models import Base


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"


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
