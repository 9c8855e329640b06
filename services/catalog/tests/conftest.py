from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from catalog.main import create_app
from catalog.settings import CatalogSettings
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import migrate_to_head, serve, truncate_schema

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def settings(database_stack: DatabaseStack) -> CatalogSettings:
    migrate_to_head(SERVICE_DIR, database_stack.direct_url("catalog"))
    return CatalogSettings(database_url=database_stack.pooled_url("catalog"), environment="test")


@pytest.fixture
async def client(
    settings: CatalogSettings, database_stack: DatabaseStack
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(create_app(settings)) as client:
        yield client
    await truncate_schema(database_stack.direct_dsn("catalog"), "catalog")
