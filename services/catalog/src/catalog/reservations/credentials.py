"""The service credential that /internal/ requires (INTERNAL_API_KEYS)."""

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from catalog.reservations.errors import InvalidServiceCredential
from catalog.settings import CatalogSettings

_bearer = HTTPBearer(auto_error=False, scheme_name="ServiceKey")


async def _service_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The name of the calling service, whose key the request presents."""
    if credentials is None:
        raise InvalidServiceCredential("Internal endpoints need a service key (Bearer).")
    settings: CatalogSettings = request.app.state.settings
    presented = credentials.credentials.encode()
    caller: str | None = None
    # Every key is compared, in constant time, so timing tells nothing about which is close.
    for name, key in settings.internal_callers().items():
        if hmac.compare_digest(presented, key.encode()) and caller is None:
            caller = name
    if caller is None:
        raise InvalidServiceCredential("The service key is not valid.")
    return caller


ServiceCaller = Annotated[str, Depends(_service_caller)]
