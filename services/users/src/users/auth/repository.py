import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, exists, or_, select, update

from service_kit.repository import Repository
from users.accounts.models import Role, User
from users.auth.models import RefreshToken, RefreshTokenFamily
from users.auth.tokens import NewRefreshToken


@dataclass(frozen=True)
class PresentedRefreshToken:
    """A presented token with its login and account, as read (and locked) for a refresh."""

    token_id: uuid.UUID
    family_id: uuid.UUID
    used_at: datetime | None
    expires_at: datetime
    login_started_at: datetime
    login_revoked_at: datetime | None
    login_credentials_version: int
    user_id: uuid.UUID
    role: Role
    account_is_active: bool
    account_credentials_version: int


class RefreshTokenRepository(Repository[RefreshTokenFamily]):
    """Logins (refresh token families) and their tokens: a family is the aggregate."""

    model = RefreshTokenFamily

    async def start_login(
        self, *, user_id: uuid.UUID, credentials_version: int, first_token: NewRefreshToken
    ) -> uuid.UUID:
        """A new family (one login) with its first token; returns the family's id."""
        family = RefreshTokenFamily(
            id=uuid.uuid4(),
            user_id=user_id,
            credentials_version=credentials_version,
            created_at=first_token.issued_at,
        )
        await self.add(family)
        await self.add_token(family_id=family.id, token=first_token)
        return family.id

    async def add_token(self, *, family_id: uuid.UUID, token: NewRefreshToken) -> None:
        self.session.add(
            RefreshToken(
                family_id=family_id,
                token_hash=token.token_hash,
                created_at=token.issued_at,
                expires_at=token.expires_at,
            )
        )
        await self.flush()

    async def family_of(self, *, token_hash: bytes) -> uuid.UUID | None:
        """The family of a token, if it exists: one indexed lookup, no lock."""
        family_id: uuid.UUID | None = await self.session.scalar(
            select(RefreshToken.family_id).where(RefreshToken.token_hash == token_hash)
        )
        return family_id

    async def find_for_refresh(self, *, token_hash: bytes) -> PresentedRefreshToken | None:
        """The token, its family and its account in one statement; token and family locked
        until commit.

        Of two requests presenting the same token at once, the second waits for the first to
        commit and then reads the token as used. A revocation of the family (logout, password
        change, deactivation, reuse) waits for this refresh to commit and then covers the
        token it issued too, or it committed first and this refresh reads it.
        """
        row = (
            await self.session.execute(
                select(
                    RefreshToken.id,
                    RefreshToken.family_id,
                    RefreshToken.used_at,
                    RefreshToken.expires_at,
                    RefreshTokenFamily.created_at,
                    RefreshTokenFamily.revoked_at,
                    RefreshTokenFamily.credentials_version,
                    User.id,
                    User.role,
                    User.is_active,
                    User.credentials_version,
                )
                .join(RefreshTokenFamily, RefreshTokenFamily.id == RefreshToken.family_id)
                .join(User, User.id == RefreshTokenFamily.user_id)
                .where(RefreshToken.token_hash == token_hash)
                # FOR NO KEY UPDATE: the new token's foreign key check (KEY SHARE) on the
                # family does not conflict with it.
                .with_for_update(key_share=True, of=[RefreshToken, RefreshTokenFamily])
            )
        ).one_or_none()
        if row is None:
            return None
        return PresentedRefreshToken(*row)

    async def mark_used(self, token_id: uuid.UUID, *, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id)
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )

    async def revoke_family(self, family_id: uuid.UUID, *, reason: str, now: datetime) -> bool:
        """Revoke the family; False when it already was."""
        statement = (
            update(RefreshTokenFamily)
            .where(RefreshTokenFamily.id == family_id, RefreshTokenFamily.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .returning(RefreshTokenFamily.id)
        )
        return (await self.session.scalar(statement)) is not None

    async def revoke_all_families(self, user_id: uuid.UUID, *, reason: str, now: datetime) -> None:
        await self.session.execute(
            update(RefreshTokenFamily)
            .where(RefreshTokenFamily.user_id == user_id, RefreshTokenFamily.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def delete_stale(self, *, cutoff: datetime) -> int:
        """Tokens expired before `cutoff`; families revoked before it, or left with no token.

        A used token is kept until it expires: presenting it again is how reuse is detected.
        """
        tokens = await self.session.execute(
            delete(RefreshToken).where(RefreshToken.expires_at < cutoff)
        )
        families = await self.session.execute(
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
