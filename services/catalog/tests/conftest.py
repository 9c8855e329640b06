import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from catalog.main import create_app
from catalog.settings import CatalogSettings
from catalog_testing import ORDERS_KEY, SERVICE_DIR, Json
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import migrate_to_head, own_database_stack, serve, truncate_schema
from testing_kit.tokens import SigningKey, bearer

database_stack = own_database_stack()


@pytest.fixture(scope="session")
def settings(database_stack: DatabaseStack) -> CatalogSettings:
    migrate_to_head(SERVICE_DIR, database_stack.direct_url("catalog"))
    # The sweeper sweeps once at start-up and then not for an hour: tests that are about
    # expiry use `sweeping_client`, the others see reservations exactly as they leave them.
    return CatalogSettings(
        database_url=database_stack.pooled_url("catalog"),
        environment="test",
        internal_api_keys=f"orders:{ORDERS_KEY} reports:reports-test-service-key",
        # A key of this run only: no test can lean on a cursor made elsewhere.
        cursor_signing_key=secrets.token_urlsafe(32),
        reservation_sweep_interval_seconds=3600,
    )


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey()


@pytest.fixture
def catalog_app(settings: CatalogSettings, signing_key: SigningKey) -> FastAPI:
    return create_app(settings, jwks_source=signing_key.jwks_source)


@pytest.fixture
async def client(
    catalog_app: FastAPI, database_stack: DatabaseStack
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(catalog_app) as client:
        yield client
    await truncate_schema(database_stack.direct_dsn("catalog"), "catalog")


@pytest.fixture
async def sweeping_client(
    settings: CatalogSettings, database_stack: DatabaseStack, signing_key: SigningKey
) -> AsyncIterator[httpx.AsyncClient]:
    """A catalog whose expiry sweeper runs every 50 ms."""
    fast = settings.model_copy(update={"reservation_sweep_interval_seconds": 0.05})
    async with serve(create_app(fast, jwks_source=signing_key.jwks_source)) as client:
        yield client
    await truncate_schema(database_stack.direct_dsn("catalog"), "catalog")


@pytest.fixture
async def db(database_stack: DatabaseStack) -> AsyncIterator[asyncpg.Connection]:
    """Straight to Postgres, for checks behind the API's back (and for moving clocks)."""
    connection = await asyncpg.connect(database_stack.direct_dsn("catalog"))
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
def admin(signing_key: SigningKey) -> dict[str, str]:
    return bearer(signing_key.sign(role="admin"))


@pytest.fixture
def customer(signing_key: SigningKey) -> dict[str, str]:
    return bearer(signing_key.sign())


@pytest.fixture
def orders() -> dict[str, str]:
    """The orders service's credential for /internal/."""
    return bearer(ORDERS_KEY)


@pytest.fixture
def create_category(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> Callable[..., Awaitable[Json]]:
    async def create(name: str, **fields: Any) -> Json:
        response = await client.post(
            "/api/catalog/categories", json={"name": name, **fields}, headers=admin
        )
        assert response.status_code == 201, response.text
        body: Json = response.json()
        return body

    return create


@pytest.fixture
def create_product(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> Callable[..., Awaitable[Json]]:
    counter = iter(range(1, 1_000_000))

    async def create(category: Json, *, name: str | None = None, **fields: Any) -> Json:
        number = next(counter)
        payload = {
            "name": name or f"Product {number}",
            "sku": f"SKU-{number:05d}",
            "price": "10.00",
            "category_id": category["id"],
            **fields,
        }
        response = await client.post("/api/catalog/products", json=payload, headers=admin)
        assert response.status_code == 201, response.text
        body: Json = response.json()
        return body

    return create
