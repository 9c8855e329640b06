import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from users.auth.models import RefreshToken, RefreshTokenFamily


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def start_family(self, *, user_id: uuid.UUID) -> RefreshTokenFamily:
        family = RefreshTokenFamily(id=uuid.uuid4(), user_id=user_id)
        self._session.add(family)
        await self._session.flush()
        return family

    async def add_token(
        self, *, family_id: uuid.UUID, token_hash: bytes, expires_at: datetime
    ) -> None:
        self._session.add(
            RefreshToken(family_id=family_id, token_hash=token_hash, expires_at=expires_at)
        )
        await self._session.flush()

    async def claim(self, *, token_hash: bytes, now: datetime) -> uuid.UUID | None:
        """Mark an unused, unexpired token used and return its family; None if it is not.

        One conditional UPDATE: of two requests presenting the same token at once, exactly
        one claims it (the other waits for the row lock, then finds it used).
        """
        statement = (
            update(RefreshToken)
            .where(
                RefreshToken.token_hash == token_hash,
                RefreshToken.used_at.is_(None),
                RefreshToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(RefreshToken.family_id)
        )
        family_id: uuid.UUID | None = await self._session.scalar(statement)
        return family_id

    async def find(self, *, token_hash: bytes) -> RefreshToken | None:
        return await self._session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        )

    async def lock_family(self, family_id: uuid.UUID) -> RefreshTokenFamily | None:
        """The family, share-locked until commit: a revocation waits for this refresh to end
        (and then also covers the token it issued), or this refresh sees the revocation."""
        return await self._session.scalar(
            select(RefreshTokenFamily)
            .where(RefreshTokenFamily.id == family_id)
            .with_for_update(read=True)
        )

    async def revoke_family(self, family_id: uuid.UUID, *, reason: str, now: datetime) -> bool:
        """Revoke the family; False when it already was."""
        statement = (
            update(RefreshTokenFamily)
            .where(RefreshTokenFamily.id == family_id, RefreshTokenFamily.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .returning(RefreshTokenFamily.id)
        )
        return (await self._session.scalar(statement)) is not None

    async def revoke_all_families(self, user_id: uuid.UUID, *, reason: str, now: datetime) -> None:
        await self._session.execute(
            update(RefreshTokenFamily)
            .where(RefreshTokenFamily.user_id == user_id, RefreshTokenFamily.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def delete_stale(self, *, cutoff: datetime) -> int:
        """Tokens expired before `cutoff`; families revoked before it, or left with no token.

        A used token is kept until it expires: presenting it again is how reuse is detected.
        """
        tokens = await self._session.execute(
            delete(RefreshToken).where(RefreshToken.expires_at < cutoff)
        )
        families = await self._session.execute(
            delete(RefreshTokenFamily).where(
                or_(
                    RefreshTokenFamily.revoked_at < cutoff,
                    and_(
                        RefreshTokenFamily.created_at < cutoff,
                        ~exists().where(RefreshToken.family_id == RefreshTokenFamily.id),
                    ),
                )
            )
        )
        return int(cast(CursorResult[Any], tokens).rowcount) + int(
            cast(CursorResult[Any], families).rowcount
        )
