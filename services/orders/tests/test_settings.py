"""Settings that would make the saga unsafe are refused at start-up."""

import pytest
from pydantic import ValidationError

from orders.settings import OrdersSettings

DATABASE_URL = "postgresql+asyncpg://orders_svc:secret@pgbouncer:6432/shop"


def test_the_reconciler_must_wait_longer_than_a_placement_can_take() -> None:
    with pytest.raises(ValidationError, match="RECONCILER_MIN_AGE_SECONDS"):
        OrdersSettings(
            database_url=DATABASE_URL,
            catalog_service_key="a-long-enough-service-key",
            catalog_call_deadline_seconds=5,
            reconciler_min_age_seconds=5,
        )


def test_a_development_service_key_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="CATALOG_SERVICE_KEY"):
        OrdersSettings(
            database_url=DATABASE_URL,
            environment="production",
            catalog_service_key="orders-service-key-for-local-development-only",
        )


def test_the_service_key_is_required() -> None:
    with pytest.raises(ValidationError, match="catalog_service_key"):
        OrdersSettings(database_url=DATABASE_URL)
