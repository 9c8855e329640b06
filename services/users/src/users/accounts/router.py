import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from service_kit.auth import CurrentUser, RequireAdmin
from service_kit.database import ReadSessionDep, SessionDep
from service_kit.openapi import problem_responses
from service_kit.text import StoredText
from users.accounts import service
from users.accounts.errors import (
    AccountInactive,
    AccountNotFound,
    EmailTaken,
    OwnAccountDeactivation,
    OwnAdminRole,
    UsernameTaken,
)
from users.accounts.models import Role, User
from users.accounts.schemas import Account, AccountPage, ProfileUpdate, Registration, RoleChange
from users.auth.dependencies import DatabaseDep, PasswordHasherDep
from users.auth.errors import WeakPassword
from users.settings import API_PREFIX

registration_router = APIRouter(prefix=API_PREFIX + "/auth", tags=["auth"])
# The caller's account must still be active (an admin's must still be an admin's).
me_router = APIRouter(
    prefix=API_PREFIX + "/me", tags=["me"], responses=problem_responses(AccountInactive)
)
admin_router = APIRouter(
    prefix=API_PREFIX + "/admin/users",
    tags=["admin"],
    responses=problem_responses(AccountInactive),
)


@registration_router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(WeakPassword, EmailTaken, UsernameTaken),
)
async def register(
    body: Registration, database: DatabaseDep, password_hasher: PasswordHasherDep
) -> Account:
    """A customer account. Log in afterwards for tokens."""
    # The Database, not the request's transaction: the password is hashed between the
    # duplicate check and the insert, with no connection held (service.register).
    user = await service.register(
        database=database,
        password_hasher=password_hasher,
        email=body.email,
        username=body.username,
        password=body.password,
        full_name=body.full_name,
    )
    return Account.model_validate(user)


@me_router.get("")
async def read_me(principal: CurrentUser, session: ReadSessionDep) -> Account:
    user = await service.get_own_account(session=session, user_id=principal.user_id)
    return Account.model_validate(user)


@me_router.patch("", responses=problem_responses(EmailTaken))
async def update_me(body: ProfileUpdate, principal: CurrentUser, session: SessionDep) -> Account:
    """Change full name, bio or email; only the fields sent change."""
    user = await service.get_own_account(session=session, user_id=principal.user_id)
    user = await service.update_profile(session=session, user=user, changes=body.changes())
    return Account.model_validate(user)


async def _acting_admin(principal: RequireAdmin, session: SessionDep) -> User:
    # The token says admin; here, next to the database, the account must still be one.
    return await service.get_acting_admin(session=session, user_id=principal.user_id)


ActingAdmin = Annotated[User, Depends(_acting_admin)]


@admin_router.get("")
async def list_accounts(
    admin: ActingAdmin,
    session: SessionDep,
    search: Annotated[
        StoredText | None,
        Query(min_length=1, max_length=100, description="Part of email, username or full name"),
    ] = None,
    role: Role | None = None,
    is_active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AccountPage:
    """Newest first; `search` matches any part of email, username or full name."""
    page = await service.list_accounts(
        session=session,
        search=search,
        role=role,
        is_active=is_active,
        limit=limit,
        offset=offset,
    )
    return AccountPage(
        items=[Account.model_validate(user) for user in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@admin_router.get("/{user_id}", responses=problem_responses(AccountNotFound))
async def read_account(user_id: uuid.UUID, admin: ActingAdmin, session: SessionDep) -> Account:
    user = await service.get_account(session=session, user_id=user_id)
    return Account.model_validate(user)


@admin_router.post(
    "/{user_id}/deactivate", responses=problem_responses(AccountNotFound, OwnAccountDeactivation)
)
async def deactivate_account(
    user_id: uuid.UUID, admin: ActingAdmin, session: SessionDep
) -> Account:
    """Ends every login of the account now; its access tokens expire within their lifetime.
    Not for the admin's own account."""
    user = await service.set_active(
        session=session, acting_admin_id=admin.id, user_id=user_id, active=False
    )
    return Account.model_validate(user)


@admin_router.post("/{user_id}/reactivate", responses=problem_responses(AccountNotFound))
async def reactivate_account(
    user_id: uuid.UUID, admin: ActingAdmin, session: SessionDep
) -> Account:
    user = await service.set_active(
        session=session, acting_admin_id=admin.id, user_id=user_id, active=True
    )
    return Account.model_validate(user)


@admin_router.put("/{user_id}/role", responses=problem_responses(AccountNotFound, OwnAdminRole))
async def change_role(
    user_id: uuid.UUID, body: RoleChange, admin: ActingAdmin, session: SessionDep
) -> Account:
    """Takes effect in other services with the account's next token refresh. An admin cannot
    remove their own admin role (409 own-admin-role)."""
    user = await service.change_role(
        session=session, acting_admin_id=admin.id, user_id=user_id, role=body.role
    )
    return Account.model_validate(user)
