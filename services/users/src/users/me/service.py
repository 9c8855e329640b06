"""The caller's own account: their profile, their password, and erasing it."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.database import Database
from users.accounts.erasure import ErasedNames
from users.accounts.errors import EmailTaken
from users.accounts.models import ErasedBy, NameKind, Role, User
from users.accounts.passwords import PasswordHasher, check_password_policy
from users.accounts.repository import ErasedNameRepository, UserRepository
from users.accounts.service import erase_account, get_active_account
from users.auth.service import end_all_logins
from users.me.errors import AdminAccountErasure, CredentialsChanged, WrongCurrentPassword
from users.me.schemas import ErasureConfirmation, PasswordChange, ProfileUpdate


async def update_profile(
    *,
    session: AsyncSession,
    erased_names: ErasedNames,
    user_id: uuid.UUID,
    update: ProfileUpdate,
) -> User:
    """Apply the fields sent (full_name, bio, email); an email taken by another, or still
    held for an erased account, is a 409."""
    user = await get_active_account(session=session, user_id=user_id)
    changes = update.changes()
    for field, value in changes.items():
        setattr(user, field, value)
    await UserRepository(session).flush()
    new_email = changes.get("email")
    # Checked after the write: an erasure of the address's owner that had not committed
    # when this update was written held the address back before the update could take it
    # (the unique index made the update wait for it), so this read sees the hold.
    if new_email is not None and await ErasedNameRepository(session).is_held(
        erased_names.digest(NameKind.EMAIL, new_email)
    ):
        raise EmailTaken("An account with this email address already exists.", field="email")
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


async def erase_own_account(
    *,
    database: Database,
    password_hasher: PasswordHasher,
    erased_names: ErasedNames,
    user_id: uuid.UUID,
    confirmation: ErasureConfirmation,
) -> None:
    """Erase the caller's account (users.accounts.erasure), its password re-entered.

    Like a password change: one autocommit read, the verification with no connection held,
    then one short transaction that locks the account and erases it only if its credentials
    are still those the password was verified under. Every login ends with the row; a login
    or refresh running meanwhile either commits first and is deleted too, or finds no account.
    """
    async with database.autocommit() as session:
        user = await get_active_account(session=session, user_id=user_id)
    matches, _ = await password_hasher.verify_and_update(confirmation.password, user.password_hash)
    if not matches:
        raise WrongCurrentPassword("The password is not correct.")
    async with database.transaction() as session:
        account = await UserRepository(session).get(user.id, lock=True)
        if (
            account is None
            or not account.is_active
            or account.credentials_version != user.credentials_version
        ):
            raise CredentialsChanged(
                "The account was deactivated, erased or its password changed while this request"
                " ran; nothing was changed."
            )
        if account.role == Role.ADMIN:
            raise AdminAccountErasure(
                "An admin account cannot erase itself; another admin removes its admin role first."
            )
        await erase_account(
            session=session, account=account, erased_by=ErasedBy.OWNER, erased_names=erased_names
        )
