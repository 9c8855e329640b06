from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseSettings):
    """What a process needs to reach its database; all a migration job needs."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str = Field(
        description="SQLAlchemy URL, postgresql+asyncpg://role:password@host:port/db",
        pattern=r"^postgresql\+asyncpg://",
    )
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # 0: NullPool, a new connection to PgBouncer per transaction (the architecture's default).
    # >0: keep that many client connections to PgBouncer open (docs/benchmarks.md).
    database_pool_size: int = Field(default=0, ge=0, le=100)


class ServiceSettings(DatabaseSettings):
    """Settings every service shares; each service subclasses it with its own."""

    environment: Literal["development", "test", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Access tokens are signed by the users service and verified locally everywhere.
    jwt_issuer: str = "shop-users"
    jwt_audience: str = "shop"
    jwks_url: str = Field(
        default="http://users:8000/api/users/.well-known/jwks.json",
        description="Where the users service publishes its public signing keys",
    )
    jwks_min_refetch_interval_seconds: float = Field(default=10.0, ge=0, le=3600)
    jwks_max_age_seconds: float = Field(default=900.0, gt=0, le=86400)
