"""Outside development, a secret that ships in the repository stops the process at start-up."""

import pytest
from pydantic import SecretStr, ValidationError

from service_kit.settings import DEVELOPMENT_SECRET_MARKER, DatabaseSettings, ServiceSettings

DEV_URL = f"postgresql+asyncpg://svc:users-dev-password-{DEVELOPMENT_SECRET_MARKER}@/shop"
OWN_URL = "postgresql+asyncpg://svc:a-password-of-this-deployment@/shop"


class WithAKey(ServiceSettings):
    service_key: SecretStr = SecretStr("unset")


def test_the_environment_is_production_unless_told_otherwise() -> None:
    assert ServiceSettings(database_url=OWN_URL).environment == "production"


@pytest.mark.parametrize("environment", ["production", "test"])
def test_a_development_database_password_is_refused(environment: str) -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL holds a development secret"):
        ServiceSettings(database_url=DEV_URL, environment=environment)


def test_a_development_secret_in_a_secret_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="SERVICE_KEY holds a development secret"):
        WithAKey(database_url=OWN_URL, service_key=f"orders-key-{DEVELOPMENT_SECRET_MARKER}")


def test_development_accepts_the_development_secrets() -> None:
    settings = WithAKey(
        database_url=DEV_URL,
        environment="development",
        service_key=f"orders-key-{DEVELOPMENT_SECRET_MARKER}",
    )
    assert settings.environment == "development"


def test_secrets_of_the_deployment_are_accepted_in_production() -> None:
    assert WithAKey(database_url=OWN_URL, service_key="k" * 32).environment == "production"


def test_a_migration_job_refuses_a_development_password_too() -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL holds a development secret"):
        DatabaseSettings(database_url=DEV_URL)
