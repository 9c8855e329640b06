from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import migrate_to_head, serve, truncate_schema
from users.main import create_app
from users.settings import UsersSettings

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def settings(database_stack: DatabaseStack) -> UsersSettings:
    migrate_to_head(SERVICE_DIR, database_stack.direct_url("users"))
    return UsersSettings(database_url=database_stack.pooled_url("users"), environment="test")


@pytest.fixture
async def client(
    settings: UsersSettings, database_stack: DatabaseStack
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(create_app(settings)) as client:
        yield client
    await truncate_schema(database_stack.direct_dsn("users"), "users")
