from functools import cached_property
from typing import Self

from pydantic import Field, SecretStr, model_validator

from service_kit.settings import ServiceSettings

API_PREFIX = "/api/catalog"
INTERNAL_PREFIX = "/internal"


class CatalogSettings(ServiceSettings):
    internal_api_keys: str = Field(
        default="",
        description=(
            "Credentials of the services allowed to call /internal/: whitespace-separated"
            " caller:key pairs, e.g. 'orders:s3cr3t'. Empty: nobody may."
        ),
    )
    cursor_signing_key: SecretStr = Field(
        min_length=32,
        description=(
            "Signs the page cursors the catalog hands out (HMAC-SHA256); at least 32"
            " characters, this deployment's own. Changing it invalidates outstanding cursors."
        ),
    )
    reservation_default_ttl_seconds: int = Field(default=900, ge=1, le=3600)
    reservation_sweep_interval_seconds: float = Field(default=5.0, gt=0, le=3600)
    reservation_sweep_batch_size: int = Field(default=100, ge=1, le=10_000)

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
            if not separator or not caller or len(key) < 16:
                raise ValueError(
                    "INTERNAL_API_KEYS must be whitespace-separated caller:key pairs"
                    " with keys of at least 16 characters"
                )
            if caller in seen:
                raise ValueError(f"INTERNAL_API_KEYS names the caller {caller!r} twice")
            seen.add(caller)
        return self
