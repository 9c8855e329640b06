from pydantic import Field, SecretStr

from service_kit.internal_api import InternalApiSettings

API_PREFIX = "/api/catalog"
INTERNAL_PREFIX = "/internal"


class CatalogSettings(InternalApiSettings):
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
