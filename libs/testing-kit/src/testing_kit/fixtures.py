"""What every test suite of the shop uses: its own database stack, migrations, a served app."""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI

from testing_kit.database_stack import DatabaseStack, running_database_stack


def own_database_stack() -> Callable[[], Iterator[DatabaseStack]]:
    """The `database_stack` fixture of one test suite: `database_stack = own_database_stack()`
    in the suite's conftest.py. In one pytest run every suite still gets a stack of its own,
    as if it ran alone, so none sees another's tables, rows, migrations or roles' settings."""

    @pytest.fixture(scope="session", name="database_stack")
    def database_stack() -> Iterator[DatabaseStack]:
        with running_database_stack() as stack:
            yield stack

    return database_stack


def alembic_config(service_dir: Path, database_url: str) -> Config:
    config = Config(str(service_dir / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def migrate_to_head(service_dir: Path, database_url: str) -> None:
    command.upgrade(alembic_config(service_dir, database_url), "head")


async def truncate_schema(dsn: str, schema: str) -> None:
    """Empty every table of a schema (but the migration version), so tests share no rows."""
    connection = await asyncpg.connect(dsn)
    try:
        tables = await connection.fetch(
            "SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables"
            " WHERE schemaname = $1 AND tablename <> 'alembic_version'",
            schema,
        )
        if tables:
            names = ", ".join(row["name"] for row in tables)
            await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


async def sessions_waiting_for_locks(stack: DatabaseStack, service: str) -> int:
    """How many of the service's sessions wait for a lock now, to step into the middle of a
    race without sleeping. Asked as the service's own role: only it sees its sessions' waits
    in pg_stat_activity."""
    connection = await asyncpg.connect(stack.pooled_dsn(service))
    try:
        waiting = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
    finally:
        await connection.close()
    return int(waiting)


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process, with its lifespan running."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client
