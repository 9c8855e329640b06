from fastapi import APIRouter, status

from service_kit.auth import CurrentUser
from service_kit.database import DatabaseDep, ReadSessionDep, SessionDep
from service_kit.openapi import problem_responses
from users.accounts.errors import AccountInactive, EmailTaken, PasswordHashingBusy, WeakPassword
from users.accounts.models import User
from users.accounts.schemas import Account
from users.accounts.service import get_active_account
from users.dependencies import ErasedNamesDep, PasswordHasherDep
from users.me import service
from users.me.errors import AdminAccountErasure, CredentialsChanged, WrongCurrentPassword
from users.me.schemas import ErasureConfirmation, PasswordChange, ProfileUpdate
from users.settings import API_PREFIX

# The caller's account must still be active.
router = APIRouter(
    prefix=API_PREFIX + "/me", tags=["me"], responses=problem_responses(AccountInactive)
)


@router.get("", response_model=Account)
async def read_me(principal: CurrentUser, session: ReadSessionDep) -> User:
    return await get_active_account(session=session, user_id=principal.user_id)


@router.patch("", response_model=Account, responses=problem_responses(EmailTaken))
async def update_me(
    body: ProfileUpdate, principal: CurrentUser, session: SessionDep, erased_names: ErasedNamesDep
) -> User:
    """Change full name, bio or email; only the fields sent change."""
    return await service.update_profile(
        session=session, erased_names=erased_names, user_id=principal.user_id, update=body
    )


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(
        WrongCurrentPassword, WeakPassword, CredentialsChanged, PasswordHashingBusy
    ),
)
async def change_password(
    body: PasswordChange,
    principal: CurrentUser,
    database: DatabaseDep,
    password_hasher: PasswordHasherDep,
) -> None:
    """Needs the current password; ends every login of the account, this one included."""
    # The Database, not the request's transaction: two hashes run with no connection held.
    await service.change_password(
        database=database,
        password_hasher=password_hasher,
        user_id=principal.user_id,
        change=body,
    )


@router.post(
    "/erasure",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(
        WrongCurrentPassword, CredentialsChanged, AdminAccountErasure, PasswordHashingBusy
    ),
    summary="Erase my account and my personal data (the password re-entered); cannot be undone",
)
async def erase_me(
    body: ErasureConfirmation,
    principal: CurrentUser,
    database: DatabaseDep,
    password_hasher: PasswordHasherDep,
    erased_names: ErasedNamesDep,
) -> None:
    """Email, username, full name, bio and password are deleted and every login ends; orders
    keep the account's id only. The username and email are refused to new accounts for the
    retention period (30 days), then free. Access tokens already issued stay valid in other
    services until they expire (15 minutes at most)."""
    # The Database, not the request's transaction: the password is verified with no
    # connection held.
    await service.erase_own_account(
        database=database,
        password_hasher=password_hasher,
        erased_names=erased_names,
        user_id=principal.user_id,
        confirmation=body,
    )
