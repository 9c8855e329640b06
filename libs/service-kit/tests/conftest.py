import asyncio
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from service_kit.settings import ServiceSettings
from service_kit_testing.probe_app import build_probe_app
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import own_database_stack, serve

database_stack = own_database_stack()


async def _create_probe_table(stack: DatabaseStack) -> None:
    connection = await asyncpg.connect(stack.direct_dsn("users"))
    try:
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS users.probe_notes ("
            " id serial PRIMARY KEY, note text NOT NULL,"
            " CONSTRAINT probe_note_unique UNIQUE (note) DEFERRABLE INITIALLY DEFERRED)"
        )
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def probe_table(database_stack: DatabaseStack) -> None:
    asyncio.run(_create_probe_table(database_stack))


@pytest.fixture
def settings(database_stack: DatabaseStack) -> ServiceSettings:
    return ServiceSettings(database_url=database_stack.pooled_url("users"), environment="test")


@pytest.fixture
async def client(
    settings: ServiceSettings, probe_table: None, database_stack: DatabaseStack
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(build_probe_app(settings)) as client:
        yield client
    connection = await asyncpg.connect(database_stack.direct_dsn("users"))
    try:
        await connection.execute("TRUNCATE users.probe_notes")
    finally:
        await connection.close()
