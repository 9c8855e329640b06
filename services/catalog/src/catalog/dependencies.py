"""What the catalog app keeps for its endpoints, each named once as a dependency."""

import hmac
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from catalog.reservations.errors import InvalidServiceCredential
from catalog.settings import CatalogSettings
from service_kit.app_state import from_app_state
from service_kit.pagination import PageCursors

PageCursorsDep = Annotated[PageCursors, Depends(from_app_state("page_cursors"))]
SettingsDep = Annotated[CatalogSettings, Depends(from_app_state("settings"))]

_bearer = HTTPBearer(auto_error=False, scheme_name="ServiceKey")


async def _service_caller(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The name of the calling service, whose key (INTERNAL_API_KEYS) the request presents."""
    if credentials is None:
        raise InvalidServiceCredential("Internal endpoints need a service key (Bearer).")
    presented = credentials.credentials.encode()
    caller: str | None = None
    # Every key is compared, in constant time, so timing tells nothing about which is close.
    for name, key in settings.internal_callers.items():
        if hmac.compare_digest(presented, key.encode()) and caller is None:
            caller = name
    if caller is None:
        raise InvalidServiceCredential("The service key is not valid.")
    return caller


# The service that calls /internal/ (orders), by the key it presents.
ServiceCaller = Annotated[str, Depends(_service_caller)]
