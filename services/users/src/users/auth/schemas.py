from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from users.accounts.schemas import NewPassword
from users.auth.passwords import MAX_PASSWORD_LENGTH
from users.auth.tokens import TokenPair

RefreshTokenValue = Annotated[str, Field(min_length=1, max_length=200, repr=False)]


class TokenResponse(BaseModel):
    """RFC 6749 section 5.1, plus the refresh token's own lifetime."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (the OAuth2 token type, no secret)
    expires_in: int = Field(description="Seconds the access token stays valid")
    refresh_token: str
    refresh_token_expires_in: int = Field(description="Seconds the refresh token stays valid")

    @classmethod
    def of(cls, pair: TokenPair) -> "TokenResponse":
        return cls(
            access_token=pair.access_token,
            expires_in=pair.access_token_expires_in,
            refresh_token=pair.refresh_token,
            refresh_token_expires_in=pair.refresh_token_expires_in,
        )


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: RefreshTokenValue


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[
        str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH, repr=False)
    ]
    new_password: NewPassword


class JsonWebKey(BaseModel):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    alg: Literal["EdDSA"]
    use: Literal["sig"]


class JsonWebKeySet(BaseModel):
    keys: list[JsonWebKey]
