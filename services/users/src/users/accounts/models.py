import enum
import uuid

from sqlalchemy import Boolean, CheckConstraint, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from service_kit.database import TimestampedMixin
from users.models import Base


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"


class User(TimestampedMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('customer', 'admin')", name="role_known"),
        CheckConstraint("email = lower(email)", name="email_normalized"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Stored normalized (lower case), so a plain unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    bio: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.CUSTOMER.value)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
