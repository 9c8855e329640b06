from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from orders.main import create_app
from orders.settings import OrdersSettings
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import migrate_to_head, serve, truncate_schema

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def settings(database_stack: DatabaseStack) -> OrdersSettings:
    migrate_to_head(SERVICE_DIR, database_stack.direct_url("orders"))
    return OrdersSettings(database_url=database_stack.pooled_url("orders"), environment="test")


@pytest.fixture
async def client(
    settings: OrdersSettings, database_stack: DatabaseStack
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(create_app(settings)) as client:
        yield client
    await truncate_schema(database_stack.direct_dsn("orders"), "orders")
