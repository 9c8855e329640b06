"""Bearer tokens as the tutorial does them: HS256 JWTs with a shared secret (PyJWT)."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shop_baseline.settings import settings

ALGORITHM = "HS256"
_bearer = HTTPBearer(auto_error=False)


def mint_token(customer_id: str, ttl: timedelta = timedelta(hours=12)) -> str:
    now = datetime.now(UTC)
    claims = {"sub": customer_id, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def current_customer(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The customer id (`sub`) of a valid bearer token, or 401."""
    unauthorized = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="a valid bearer token is required",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if credentials is None:
        raise unauthorized
    try:
        claims = jwt.decode(
            credentials.credentials,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp"]},
        )
    except jwt.InvalidTokenError as error:
        raise unauthorized from error
    customer_id: str = claims["sub"]
    return customer_id


CurrentCustomer = Annotated[str, Depends(current_customer)]
