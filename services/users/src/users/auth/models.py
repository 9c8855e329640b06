"""Refresh tokens: opaque to the client, stored only as a hash, grouped in families.

A family is one login: every refresh replaces its token with the next one of the same family.
Revocation is a property of the family, so revoking it ends the login at once, also for a
token issued by a refresh that is running at that very moment (see service.refresh). A
family also ends when its account's credentials version moves on, and at its absolute end
(created_at plus REFRESH_TOKEN_ABSOLUTE_LIFETIME_SECONDS), however often it was refreshed.
"""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from users.models import Base


class RefreshTokenFamily(Base):
    __tablename__ = "refresh_token_families"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The account's credentials version this login was granted under; once the account's
    # moves on (password changed, deactivated), the family is dead whatever revoked_at says.
    credentials_version: Mapped[int] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # logout, password-changed, reuse-detected, deactivated: for the audit trail only.
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.refresh_token_families.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the token: it is 256 random bits, so a slow hash would add nothing.
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when it is exchanged; presenting it again after that means it was copied.
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
