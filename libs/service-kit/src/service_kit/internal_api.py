"""Service-to-service endpoints (`/internal/`): who may call them, by the key they present.

A service that serves internal endpoints takes `InternalApiSettings` as its settings' base and
`ServiceCaller` on each internal route. The gateway never routes them; the key is the second
wall, so that nothing else on the network may call them either.
"""

import hmac
from functools import cached_property
from typing import Annotated, ClassVar, Self

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field, model_validator

from service_kit.app_state import from_app_state
from service_kit.problems import Unauthorized
from service_kit.settings import ServiceSettings

MIN_KEY_LENGTH = 16


class InvalidServiceCredential(Unauthorized):
    code = "invalid-service-credential"
    title = "Invalid service credential"

    # A 401 says how to authenticate (RFC 9110), every one of them.
    default_headers: ClassVar = {"WWW-Authenticate": 'Bearer realm="internal"'}


class InternalApiSettings(ServiceSettings):
    """Settings of a service that serves `/internal/` endpoints."""

    internal_api_keys: str = Field(
        default="",
        description=(
            "Credentials of the services allowed to call /internal/: whitespace-separated"
            " caller:key pairs, e.g. 'orders:s3cr3t'. Empty: nobody may."
        ),
    )

    @cached_property
    def internal_callers(self) -> dict[str, str]:
        """caller name -> key, from INTERNAL_API_KEYS (validated at start-up); read once, not
        on every internal request."""
        callers: dict[str, str] = {}
        for pair in self.internal_api_keys.split():
            caller, _, key = pair.partition(":")
            callers[caller] = key
        return callers

    @model_validator(mode="after")
    def _internal_api_keys_are_well_formed(self) -> Self:
        seen: set[str] = set()
        for pair in self.internal_api_keys.split():
            caller, separator, key = pair.partition(":")
            if not separator or not caller or len(key) < MIN_KEY_LENGTH:
                raise ValueError(
                    "INTERNAL_API_KEYS must be whitespace-separated caller:key pairs"
                    f" with keys of at least {MIN_KEY_LENGTH} characters"
                )
            if caller in seen:
                raise ValueError(f"INTERNAL_API_KEYS names the caller {caller!r} twice")
            seen.add(caller)
        return self


_bearer = HTTPBearer(auto_error=False, scheme_name="ServiceKey")


async def _service_caller(
    settings: Annotated[InternalApiSettings, Depends(from_app_state("settings"))],
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


# The service that calls an /internal/ endpoint, by the key it presents.
ServiceCaller = Annotated[str, Depends(_service_caller)]
