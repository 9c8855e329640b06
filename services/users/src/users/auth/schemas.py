from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from service_kit.text import StoredText
from users.accounts.schemas import LOGIN_MAX_LENGTH, Email, FullName, NewPassword, Username

RefreshTokenValue = Annotated[StoredText, Field(min_length=1, max_length=200, repr=False)]
# Longer than any password that can be set (a longer one is refused without hashing, with
# the answer a wrong password gets), but bounded: past this it is no login attempt.
LOGIN_PASSWORD_MAX_LENGTH = 1024


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    username: Username
    password: NewPassword
    full_name: FullName | None = None


class LoginForm(BaseModel):
    """The OAuth2 password grant's form (RFC 6749 section 4.3.2); `username` takes the
    username or the email. OAuth2PasswordRequestForm's fields, but every string StoredText
    and bounded; the other fields a client may send (scope, client_id) are ignored."""

    grant_type: Annotated[str, Field(pattern="^password$")] | None = None
    username: Annotated[
        StoredText,
        Field(min_length=1, max_length=LOGIN_MAX_LENGTH, description="Username or email"),
    ]
    password: Annotated[
        StoredText, Field(min_length=1, max_length=LOGIN_PASSWORD_MAX_LENGTH, repr=False)
    ]


# What a login's or refresh's TokenPair (users.auth.tokens) serializes as.
class TokenResponse(BaseModel):
    """RFC 6749 section 5.1, plus the refresh token's own lifetime."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (the OAuth2 token type, no secret)
    expires_in: int = Field(description="Seconds the access token stays valid")
    refresh_token: str
    refresh_token_expires_in: int = Field(description="Seconds the refresh token stays valid")


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: RefreshTokenValue
