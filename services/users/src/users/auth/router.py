from typing import Annotated, Any

from fastapi import APIRouter, Form, Response, status

from service_kit.auth import CurrentUser
from service_kit.openapi import problem_responses
from users.accounts.errors import AccountInactive
from users.auth import service
from users.auth.dependencies import (
    DatabaseDep,
    KeyRingDep,
    PasswordHasherDep,
    RefreshTurnsDep,
    TokenIssuerDep,
)
from users.auth.errors import (
    CredentialsChanged,
    InvalidCredentials,
    InvalidRefreshToken,
    WeakPassword,
    WrongCurrentPassword,
)
from users.auth.schemas import (
    JsonWebKeySet,
    LoginForm,
    PasswordChange,
    RefreshRequest,
    TokenResponse,
)
from users.settings import API_PREFIX

router = APIRouter(prefix=API_PREFIX + "/auth", tags=["auth"])
password_router = APIRouter(
    prefix=API_PREFIX + "/me", tags=["me"], responses=problem_responses(AccountInactive)
)
jwks_router = APIRouter(prefix=API_PREFIX + "/.well-known", tags=["auth"])

# Token responses must not be stored by any cache (RFC 6749 section 5.1).
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


# These take the Database, not the request's transaction: they hash outside any transaction,
# look a token up before opening one, or commit a revocation while answering 401 (service.py).


@router.post(
    "/login", response_model=TokenResponse, responses=problem_responses(InvalidCredentials)
)
async def login(
    form: Annotated[LoginForm, Form()],
    database: DatabaseDep,
    password_hasher: PasswordHasherDep,
    token_issuer: TokenIssuerDep,
    response: Response,
) -> TokenResponse:
    """OAuth2 password flow: `username` is the username or the email address."""
    pair = await service.login(
        database=database,
        password_hasher=password_hasher,
        token_issuer=token_issuer,
        login=form.username,
        password=form.password,
    )
    response.headers.update(_NO_STORE)
    return TokenResponse.of(pair)


@router.post(
    "/refresh", response_model=TokenResponse, responses=problem_responses(InvalidRefreshToken)
)
async def refresh(
    body: RefreshRequest,
    database: DatabaseDep,
    refresh_turns: RefreshTurnsDep,
    token_issuer: TokenIssuerDep,
    response: Response,
) -> TokenResponse:
    """A new token pair; the refresh token presented is used up. Presenting a used one again
    revokes every token of its login."""
    pair = await service.refresh(
        database=database,
        refresh_turns=refresh_turns,
        token_issuer=token_issuer,
        refresh_token=body.refresh_token,
    )
    response.headers.update(_NO_STORE)
    return TokenResponse.of(pair)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    body: RefreshRequest, database: DatabaseDep, refresh_turns: RefreshTurnsDep
) -> None:
    """End the login the refresh token belongs to (the access token expires by itself)."""
    await service.logout(
        database=database, refresh_turns=refresh_turns, refresh_token=body.refresh_token
    )


@password_router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(WrongCurrentPassword, WeakPassword, CredentialsChanged),
)
async def change_password(
    body: PasswordChange,
    principal: CurrentUser,
    database: DatabaseDep,
    password_hasher: PasswordHasherDep,
) -> None:
    """Needs the current password; ends every login of the account, this one included."""
    await service.change_password(
        database=database,
        password_hasher=password_hasher,
        user_id=principal.user_id,
        current_password=body.current_password,
        new_password=body.new_password,
    )


@jwks_router.get("/jwks.json", response_model=JsonWebKeySet)
async def jwks(key_ring: KeyRingDep, response: Response) -> dict[str, Any]:
    """The public keys that verify access tokens (RFC 7517), the signing key's first."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return key_ring.jwks()
