"""The body of every service's Alembic env.py: one chain per schema.

Migrations run as the service's own role directly against Postgres (not PgBouncer), keep
their version table inside the service's schema and only ever see that schema, so
autogenerate can never propose changes to another service's tables.
"""

import asyncio
from typing import Any, Literal

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from service_kit.settings import DatabaseSettings


def _only_schema(schema: str) -> Any:
    def include_name(
        name: str | None,
        type_: Literal[
            "schema", "table", "column", "index", "unique_constraint", "foreign_key_constraint"
        ],
        _parent_names: Any,
    ) -> bool:
        if type_ == "schema":
            return name == schema
        return True

    return include_name


def _configure_and_run(connection: Connection, metadata: MetaData) -> None:
    schema = metadata.schema
    assert schema is not None, "service metadata must name its schema"
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=schema,
        include_schemas=True,
        include_name=_only_schema(schema),
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(metadata: MetaData, url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure_and_run, metadata)
    finally:
        await engine.dispose()


def run_migrations(metadata: MetaData) -> None:
    """Entry point for env.py. The URL comes from DATABASE_URL, like the service's."""
    if context.is_offline_mode():
        raise SystemExit("offline (--sql) migrations are not supported; run against a database")
    url = context.config.attributes.get("database_url") or DatabaseSettings().database_url
    asyncio.run(_run_online(metadata, url))
