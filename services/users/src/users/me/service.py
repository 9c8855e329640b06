"""The caller's own account: their profile and their password."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.database import Database
from users.accounts.models import User
from users.accounts.passwords import PasswordHasher, check_password_policy
from users.accounts.repository import UserRepository
from users.accounts.service import get_active_account
from users.auth.service import end_all_logins
from users.me.errors import CredentialsChanged, WrongCurrentPassword
from users.me.schemas import PasswordChange, ProfileUpdate


async def update_profile(
    *, session: AsyncSession, user_id: uuid.UUID, update: ProfileUpdate
) -> User:
    """Apply the fields sent (full_name, bio, email); an email taken by another is a 409."""
    user = await get_active_account(session=session, user_id=user_id)
    for field, value in update.changes().items():
        setattr(user, field, value)
    await UserRepository(session).flush()
    return user


async def change_password(
    *,
    database: Database,
    password_hasher: PasswordHasher,
    user_id: uuid.UUID,
    change: PasswordChange,
) -> None:
    """Set a new password (the current one proves it is the owner) and end every login.

    Like a login (users.auth.service): one autocommit read, the two hashes with no
    connection held, then one short transaction, which writes only if the credentials are
    still those the current password was checked under.
    """
    async with database.autocommit() as session:
        user = await get_active_account(session=session, user_id=user_id)
    check_password_policy(change.new_password, username=user.username, email=user.email)
    matches, _ = await password_hasher.verify_and_update(
        change.current_password, user.password_hash
    )
    if not matches:
        raise WrongCurrentPassword("The current password is not correct.")
    new_hash = await password_hasher.hash(change.new_password)
    async with database.transaction() as session:
        changed = await UserRepository(session).set_password(
            user.id, new_hash=new_hash, expected_credentials_version=user.credentials_version
        )
        if not changed:
            # Deactivated, or its password changed by another request, while these hashes ran.
            raise CredentialsChanged(
                "The account was deactivated or its password changed while this request ran;"
                " nothing was changed."
            )
        await end_all_logins(session=session, user_id=user.id, reason="password-changed")
