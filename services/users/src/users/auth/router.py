from typing import Annotated

from fastapi import APIRouter, Form, Response, status

from service_kit.database import DatabaseDep
from service_kit.openapi import problem_responses
from users.accounts.errors import EmailTaken, PasswordHashingBusy, UsernameTaken, WeakPassword
from users.accounts.models import User
from users.accounts.schemas import Account
from users.auth import service
from users.auth.errors import InvalidCredentials, InvalidRefreshToken, RefreshBusy
from users.auth.schemas import LoginForm, RefreshRequest, Registration, TokenResponse
from users.auth.tokens import TokenPair
from users.dependencies import (
    ErasedNamesDep,
    PasswordHasherDep,
    RefreshTurnsDep,
    TokenIssuerDep,
)
from users.settings import API_PREFIX

router = APIRouter(prefix=API_PREFIX + "/auth", tags=["auth"])

# Token responses must not be stored by any cache (RFC 6749 section 5.1).
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


# These take the Database, not the request's transaction: they hash outside any transaction,
# look a token up before opening one, or commit a revocation while answering 401 (service.py).


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=Account,
    responses=problem_responses(WeakPassword, EmailTaken, UsernameTaken, PasswordHashingBusy),
)
async def register(
    body: Registration,
    database: DatabaseDep,
    password_hasher: PasswordHasherDep,
    erased_names: ErasedNamesDep,
) -> User:
    """A customer account. Log in afterwards for tokens."""
    return await service.register(
        database=database,
        password_hasher=password_hasher,
        erased_names=erased_names,
        registration=body,
    )


@router.post(
    "/login",
    response_model=TokenResponse,
    responses=problem_responses(InvalidCredentials, PasswordHashingBusy),
)
async def login(
    form: Annotated[LoginForm, Form()],
    database: DatabaseDep,
    password_hasher: PasswordHasherDep,
    token_issuer: TokenIssuerDep,
    response: Response,
) -> TokenPair:
    """OAuth2 password flow: `username` is the username or the email address."""
    pair = await service.login(
        database=database, password_hasher=password_hasher, token_issuer=token_issuer, form=form
    )
    response.headers.update(_NO_STORE)
    return pair


@router.post(
    "/refresh",
    response_model=TokenResponse,
    responses=problem_responses(InvalidRefreshToken, RefreshBusy),
)
async def refresh(
    body: RefreshRequest,
    database: DatabaseDep,
    refresh_turns: RefreshTurnsDep,
    token_issuer: TokenIssuerDep,
    response: Response,
) -> TokenPair:
    """A new token pair; the refresh token presented is used up. Presenting a used one again
    revokes every token of its login."""
    pair = await service.refresh(
        database=database,
        refresh_turns=refresh_turns,
        token_issuer=token_issuer,
        presented=body,
    )
    response.headers.update(_NO_STORE)
    return pair


@router.post(
    "/logout", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(RefreshBusy)
)
async def logout(
    body: RefreshRequest, database: DatabaseDep, refresh_turns: RefreshTurnsDep
) -> None:
    """End the login the refresh token belongs to (the access token expires by itself)."""
    await service.logout(database=database, refresh_turns=refresh_turns, presented=body)
