"""Settings that would make the saga unsafe are refused at start-up."""

import pytest
from pydantic import ValidationError

from orders.settings import OrdersSettings

DATABASE_URL = "postgresql+asyncpg://orders_svc:secret@pgbouncer:6432/shop"
USERS_KEY = "orders-key-for-users-of-this-deployment"


def test_the_reconciler_must_wait_longer_than_a_placement_can_take() -> None:
    with pytest.raises(ValidationError, match="RECONCILER_MIN_AGE_SECONDS"):
        OrdersSettings(
            database_url=DATABASE_URL,
            catalog_service_key="a-long-enough-service-key",
            users_service_key=USERS_KEY,
            catalog_call_deadline_seconds=5,
            reconciler_min_age_seconds=5,
        )


def test_a_development_service_key_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="CATALOG_SERVICE_KEY"):
        OrdersSettings(
            database_url=DATABASE_URL,
            environment="production",
            catalog_service_key="orders-service-key-for-local-development-only",
            users_service_key=USERS_KEY,
        )


def test_the_service_key_is_required() -> None:
    with pytest.raises(ValidationError, match="catalog_service_key"):
        OrdersSettings(database_url=DATABASE_URL)


def test_the_users_service_key_is_required() -> None:
    with pytest.raises(ValidationError, match="users_service_key"):
        OrdersSettings(database_url=DATABASE_URL, catalog_service_key="a-long-enough-service-key")


def test_a_development_users_service_key_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="USERS_SERVICE_KEY"):
        OrdersSettings(
            database_url=DATABASE_URL,
            environment="production",
            catalog_service_key="a-long-enough-service-key",
            users_service_key="orders-users-key-for-local-development-only",
        )
