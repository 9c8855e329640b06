"""The users chain: reversible, in its own schema, and in step with the models."""

import asyncio

import asyncpg
from alembic import command

from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import alembic_config
from users_testing import SERVICE_DIR


async def _fetch_tables(stack: DatabaseStack) -> set[str]:
    connection = await asyncpg.connect(stack.direct_dsn("users"))
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'users'")
    finally:
        await connection.close()
    return {row["tablename"] for row in rows}


def _tables(stack: DatabaseStack) -> set[str]:
    return asyncio.run(_fetch_tables(stack))


def test_upgrade_downgrade_upgrade_round_trips(
    settings: object, database_stack: DatabaseStack
) -> None:
    config = alembic_config(SERVICE_DIR, database_stack.direct_url("users"))
    at_head = _tables(database_stack)

    command.downgrade(config, "base")
    at_base = _tables(database_stack)
    command.upgrade(config, "head")

    assert at_base == {"alembic_version"}
    assert _tables(database_stack) == at_head
    assert at_head > {"alembic_version"}


def test_models_and_migrations_agree(settings: object, database_stack: DatabaseStack) -> None:
    # Raises if autogenerate would produce any operation for this schema.
    command.check(alembic_config(SERVICE_DIR, database_stack.direct_url("users")))
