from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Every secret that ships in the repository (compose's defaults, .env.example,
# deploy/dev-secrets/) contains this marker, and every process outside development refuses
# to start with one: a deployment that forgot to set a secret fails closed, at start-up.
DEVELOPMENT_SECRET_MARKER = "for-local-development-only"  # noqa: S105 (the marker, no secret)


class DatabaseSettings(BaseSettings):
    """What a process needs to reach its database; all a migration job or the seed needs."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # Production unless told otherwise: a forgotten setting must not switch safeguards off.
    environment: Literal["development", "test", "production"] = "production"

    database_url: str = Field(
        description="SQLAlchemy URL, postgresql+asyncpg://role:password@host:port/db",
        pattern=r"^postgresql\+asyncpg://",
    )
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # 0: NullPool, a new connection to PgBouncer per transaction (the architecture's default).
    # >0: keep that many client connections to PgBouncer open (docs/benchmarks.md).
    database_pool_size: int = Field(default=0, ge=0, le=100)

    @model_validator(mode="after")
    def _no_development_secret_outside_development(self) -> Self:
        if self.environment == "development":
            return self
        for name in type(self).model_fields:
            value = getattr(self, name)
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            if isinstance(text, str) and DEVELOPMENT_SECRET_MARKER in text:
                raise ValueError(
                    f"{name.upper()} holds a development secret from the repository; with"
                    f" ENVIRONMENT={self.environment} set a secret of this deployment's own"
                )
        return self


class ServiceSettings(DatabaseSettings):
    """Settings every service shares; each service subclasses it with its own."""

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

    # Traces (service_kit.tracing) are off unless one of OpenTelemetry's own variables names
    # where to send them; the SDK reads the other OTEL_* variables itself.
    otel_exporter_otlp_traces_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP URL for traces, as is (http://collector:4318/v1/traces)",
    )
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP base URL; traces go to <this>/v1/traces"
    )

    @property
    def otlp_traces_endpoint(self) -> str | None:
        """Where traces are exported, or None: tracing off. Empty counts as unset, as the
        OpenTelemetry specification says."""
        if self.otel_exporter_otlp_traces_endpoint:
            return self.otel_exporter_otlp_traces_endpoint
        if self.otel_exporter_otlp_endpoint:
            return f"{self.otel_exporter_otlp_endpoint.rstrip('/')}/v1/traces"
        return None
