import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from orders.catalog_client.client import CatalogClient, create_catalog_client
from orders.main import create_app
from orders.reconciliation.service import cancel_expired_orders, resolve_abandoned_placements
from orders.settings import OrdersSettings
from orders_testing import SERVICE_DIR, SERVICE_KEY, USERS_SERVICE_KEY
from orders_testing.fake_catalog import FakeCatalog
from orders_testing.fake_users import FakeUsers
from orders_testing.placing import Actor
from orders_testing.recovery import Resolve, Sweep
from service_kit.database import Database
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import (
    migrate_to_head,
    own_database_stack,
    serve,
    sessions_waiting_for_locks,
    truncate_schema,
)
from testing_kit.tokens import SigningKey, bearer

database_stack = own_database_stack()


@pytest.fixture(scope="session")
def settings(database_stack: DatabaseStack) -> OrdersSettings:
    migrate_to_head(SERVICE_DIR, database_stack.direct_url("orders"))
    return OrdersSettings(
        database_url=database_stack.pooled_url("orders"),
        environment="test",
        catalog_service_key=SERVICE_KEY,
        catalog_connect_timeout_seconds=0.5,
        catalog_read_timeout_seconds=0.5,
        catalog_retry_attempts=3,
        catalog_retry_wait_initial_seconds=0.01,
        catalog_retry_wait_max_seconds=0.05,
        catalog_call_deadline_seconds=2.0,
        users_service_key=USERS_SERVICE_KEY,
        users_connect_timeout_seconds=0.5,
        users_read_timeout_seconds=0.5,
        users_retry_wait_initial_seconds=0.01,
        users_retry_wait_max_seconds=0.05,
        users_call_deadline_seconds=1.0,
        reservation_ttl_seconds=120,
        # Tests run the recovery jobs themselves; test_reconciliation.py and
        # test_hold_expiry.py run the background ones.
        reconciler_enabled=False,
        reconciler_min_age_seconds=3.0,
        hold_expiry_enabled=False,
    )


@pytest.fixture
def signing_key() -> SigningKey:
    return SigningKey()


@pytest.fixture
def fake_catalog() -> FakeCatalog:
    return FakeCatalog(service_key=SERVICE_KEY)


@pytest.fixture
def fake_users() -> FakeUsers:
    return FakeUsers(service_key=USERS_SERVICE_KEY)


@pytest.fixture
def waiting_on_locks(database_stack: DatabaseStack) -> Callable[[], Awaitable[int]]:
    """How many of orders' sessions wait for a lock now."""
    return lambda: sessions_waiting_for_locks(database_stack, "orders")


@pytest.fixture
async def database_rows(
    database_stack: DatabaseStack,
) -> AsyncIterator[Callable[[str], Any]]:
    """Run a query straight against the orders schema: what is stored, placements included."""
    connection = await asyncpg.connect(database_stack.direct_dsn("orders"))

    async def fetch(query: str, *arguments: Any) -> list[asyncpg.Record]:
        return list(await connection.fetch(query, *arguments))

    try:
        yield fetch
    finally:
        await connection.close()


@pytest.fixture
async def serve_orders(
    settings: OrdersSettings,
    database_stack: DatabaseStack,
    signing_key: SigningKey,
    fake_catalog: FakeCatalog,
    fake_users: FakeUsers,
) -> AsyncIterator[Callable[..., Any]]:
    """Serve an orders app, by default against the fake catalog and the fake users; tables
    emptied afterwards."""

    def start(
        custom: OrdersSettings | None = None,
        *,
        over_the_network: bool = False,
        catalog_transport: httpx.AsyncBaseTransport | None = None,
        users_transport: httpx.AsyncBaseTransport | None = None,
    ) -> Any:
        """over_the_network: reach catalog at the settings' URL instead of the fake;
        catalog_transport: reach catalog through this one (the real catalog app);
        users_transport: reach users through this one instead of the fake."""
        if not over_the_network and catalog_transport is None:
            catalog_transport = fake_catalog.transport
        return serve(
            create_app(
                custom or settings,
                jwks_source=signing_key.jwks_source,
                catalog_transport=catalog_transport,
                users_transport=users_transport or fake_users.transport,
            )
        )

    yield start
    await truncate_schema(database_stack.direct_dsn("orders"), "orders")


@pytest.fixture
async def catalog_client(
    settings: OrdersSettings, fake_catalog: FakeCatalog
) -> AsyncIterator[CatalogClient]:
    catalog = create_catalog_client(settings, transport=fake_catalog.transport)
    yield catalog
    await catalog.aclose()


@pytest.fixture
async def database(settings: OrdersSettings) -> AsyncIterator[Database]:
    database = Database.from_settings(settings)
    yield database
    await database.dispose()


@pytest.fixture
def resolve(database: Database, catalog_client: CatalogClient) -> Resolve:
    """One reconciliation round, as the background task runs it (any age by default)."""

    async def run(older_than: timedelta = timedelta(0)) -> int:
        return await resolve_abandoned_placements(
            database=database,
            catalog=catalog_client,
            older_than=older_than,
            batch_size=10,
        )

    return run


@pytest.fixture
def sweep(database: Database, catalog_client: CatalogClient) -> Sweep:
    """One round of the hold-expiry sweep, as the background task runs it."""

    async def run() -> int:
        return await cancel_expired_orders(database=database, catalog=catalog_client, batch_size=10)

    return run


@pytest.fixture
async def client(serve_orders: Callable[..., Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_orders() as client:
        yield client


@pytest.fixture
def new_customer(signing_key: SigningKey) -> Callable[[], Actor]:
    def create() -> Actor:
        user_id = uuid.uuid4()
        return Actor(user_id, bearer(signing_key.sign(sub=str(user_id))))

    return create


@pytest.fixture
def customer(new_customer: Callable[[], Actor]) -> Actor:
    return new_customer()


@pytest.fixture
def admin(signing_key: SigningKey) -> Actor:
    user_id = uuid.uuid4()
    return Actor(user_id, bearer(signing_key.sign(sub=str(user_id), role="admin")))
