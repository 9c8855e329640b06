import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from service_kit.auth import RequireAdmin
from service_kit.database import SessionDep
from service_kit.openapi import problem_responses
from service_kit.pagination import DEFAULT_PAGE_SIZE, OffsetPage, PageOffset, PageOfRows, PageSize
from service_kit.text import StoredText
from service_kit.timestamps import CalendarDay, InvalidDateRange
from users.accounts.errors import AccountErased, AccountInactive, AccountNotFound
from users.accounts.models import Role, User
from users.accounts.schemas import Account
from users.admin import service
from users.admin.errors import AccountActive, OwnAccountDeactivation, OwnAdminRole
from users.admin.schemas import AccountStatistics, RoleChange
from users.dependencies import ErasedNamesDep
from users.settings import API_PREFIX

# The caller's account must still be an active admin's, whatever its token says (a 403
# forbidden otherwise, which the kit documents for every RequireAdmin route already).
router = APIRouter(
    prefix=API_PREFIX + "/admin/users",
    tags=["admin"],
    responses=problem_responses(AccountInactive),
)


async def _acting_admin(principal: RequireAdmin, session: SessionDep) -> User:
    # The token says admin; here, next to the database, the account must still be one.
    return await service.get_acting_admin(session=session, user_id=principal.user_id)


ActingAdmin = Annotated[User, Depends(_acting_admin)]


@router.get("", response_model=OffsetPage[Account])
async def list_accounts(
    admin: ActingAdmin,
    session: SessionDep,
    search: Annotated[
        StoredText | None,
        Query(min_length=1, max_length=100, description="Part of email, username or full name"),
    ] = None,
    role: Role | None = None,
    is_active: bool | None = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    offset: PageOffset = 0,
) -> PageOfRows[User]:
    """Newest first; `search` matches any part of email, username or full name."""
    return await service.list_accounts(
        session=session,
        search=search,
        role=role,
        is_active=is_active,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/stats",
    response_model=AccountStatistics,
    responses=problem_responses(InvalidDateRange),
    summary="Accounts by role and by state; sign-ups per day (UTC) over a range",
)
async def account_statistics(
    admin: ActingAdmin,
    session: SessionDep,
    date_from: Annotated[
        CalendarDay | None,
        Query(description="First day counted (default: 29 days before date_to)"),
    ] = None,
    date_to: Annotated[
        CalendarDay | None, Query(description="Last day counted (default: today)")
    ] = None,
) -> AccountStatistics:
    """At most 366 days at once. Declared before `/{user_id}`, which would take the path."""
    return await service.account_statistics(
        session=session, date_from=date_from, date_to=date_to, today=dt.datetime.now(dt.UTC).date()
    )


@router.get(
    "/{user_id}",
    response_model=Account,
    responses=problem_responses(AccountNotFound, AccountErased),
)
async def read_account(user_id: uuid.UUID, admin: ActingAdmin, session: SessionDep) -> User:
    return await service.get_account(session=session, user_id=user_id)


@router.post(
    "/{user_id}/deactivate",
    response_model=Account,
    responses=problem_responses(AccountNotFound, AccountErased, OwnAccountDeactivation),
)
async def deactivate_account(user_id: uuid.UUID, admin: ActingAdmin, session: SessionDep) -> User:
    """Ends every login of the account now; its access tokens expire within their lifetime.
    Not for the admin's own account."""
    return await service.set_active(
        session=session, acting_admin_id=admin.id, user_id=user_id, active=False
    )


@router.post(
    "/{user_id}/reactivate",
    response_model=Account,
    responses=problem_responses(AccountNotFound, AccountErased),
)
async def reactivate_account(user_id: uuid.UUID, admin: ActingAdmin, session: SessionDep) -> User:
    return await service.set_active(
        session=session, acting_admin_id=admin.id, user_id=user_id, active=True
    )


@router.put(
    "/{user_id}/role",
    response_model=Account,
    responses=problem_responses(AccountNotFound, AccountErased, OwnAdminRole),
)
async def change_role(
    user_id: uuid.UUID, body: RoleChange, admin: ActingAdmin, session: SessionDep
) -> User:
    """Takes effect in other services with the account's next token refresh. An admin cannot
    remove their own admin role (409 own-admin-role)."""
    return await service.change_role(
        session=session, acting_admin_id=admin.id, user_id=user_id, change=body
    )


@router.post(
    "/{user_id}/erasure",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(AccountNotFound, AccountActive),
    summary="Erase a deactivated account and its personal data; idempotent",
)
async def erase_account(
    user_id: uuid.UUID, admin: ActingAdmin, session: SessionDep, erased_names: ErasedNamesDep
) -> None:
    """As the owner's own erasure does (POST /me/erasure): personal data and every login
    deleted, the id kept for orders, the username and email held back for the retention
    period. An active account is a 409 (deactivate it first); an erased one a 204 again."""
    await service.erase_deactivated_account(
        session=session, erased_names=erased_names, user_id=user_id
    )
