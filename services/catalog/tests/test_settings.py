"""INTERNAL_API_KEYS and CURSOR_SIGNING_KEY: well-formed or the service does not start."""

from typing import Any

import pytest
from pydantic import ValidationError

from catalog.settings import CatalogSettings

URL = "postgresql+asyncpg://catalog_svc:secret@pgbouncer:6432/shop"
CURSOR_KEY = "a-cursor-signing-key-of-this-deployment-0123456789"
DEVELOPMENT_CURSOR_KEY = "catalog-cursor-key-for-local-development-only"


def settings(**values: Any) -> CatalogSettings:
    return CatalogSettings(**{"database_url": URL, "cursor_signing_key": CURSOR_KEY, **values})


def test_keys_are_caller_key_pairs_separated_by_whitespace() -> None:
    configured = settings(
        internal_api_keys="orders:first-key-0123456789\n  audit:second-key-0123456789 "
    )

    assert configured.internal_callers == {
        "orders": "first-key-0123456789",
        "audit": "second-key-0123456789",
    }


def test_no_keys_means_no_caller() -> None:
    assert settings().internal_callers == {}


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
        settings(internal_api_keys=keys)


def test_development_keys_are_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="INTERNAL_API_KEYS holds a development secret"):
        settings(
            environment="production",
            internal_api_keys="orders:orders-service-key-for-local-development-only",
        )


def test_the_cursor_signing_key_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CURSOR_SIGNING_KEY", raising=False)

    with pytest.raises(ValidationError, match="cursor_signing_key"):
        CatalogSettings(database_url=URL)


def test_a_short_cursor_signing_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="cursor_signing_key"):
        settings(cursor_signing_key="x" * 31)


def test_the_development_cursor_key_serves_development_only() -> None:
    assert settings(environment="development", cursor_signing_key=DEVELOPMENT_CURSOR_KEY)

    with pytest.raises(ValidationError, match="CURSOR_SIGNING_KEY holds a development secret"):
        settings(environment="production", cursor_signing_key=DEVELOPMENT_CURSOR_KEY)


def test_the_cursor_signing_key_is_never_shown() -> None:
    assert CURSOR_KEY not in repr(settings())
