"""INTERNAL_API_KEYS: well-formed or the service does not start."""

import pytest
from pydantic import ValidationError

from catalog.settings import CatalogSettings

URL = "postgresql+asyncpg://catalog_svc:secret@pgbouncer:6432/shop"


def test_keys_are_caller_key_pairs_separated_by_whitespace() -> None:
    settings = CatalogSettings(
        database_url=URL,
        internal_api_keys="orders:first-key-0123456789\n  audit:second-key-0123456789 ",
    )

    assert settings.internal_callers() == {
        "orders": "first-key-0123456789",
        "audit": "second-key-0123456789",
    }


def test_no_keys_means_no_caller() -> None:
    assert CatalogSettings(database_url=URL).internal_callers() == {}


@pytest.mark.parametrize(
    "keys",
    [
        "orders",
        "orders:",
        ":key-without-a-caller-0123",
        "orders:short",
        "orders:first-key-0123456789 orders:second-key-0123456789",
    ],
)
def test_malformed_keys_are_refused(keys: str) -> None:
    with pytest.raises(ValidationError):
        CatalogSettings(database_url=URL, internal_api_keys=keys)


def test_development_keys_are_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="INTERNAL_API_KEYS holds a development secret"):
        CatalogSettings(
            database_url=URL,
            environment="production",
            internal_api_keys="orders:orders-service-key-for-local-development-only",
        )
