"""What every service checks about itself, written once: each service's test module subclasses
these as a `Test...` class and names itself, so the checks run in every service's suite.

They use the suite's own fixtures: `client` (the app, served) and `settings` (which migrates
the service's schema to head first) with the suite's `database_stack`.
"""

import asyncio
from pathlib import Path
from typing import ClassVar

import asyncpg
import httpx
from alembic import command

from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import alembic_config


class HealthChecks:
    """Alive, ready through PgBouncer, and its OpenAPI document under its own prefix."""

    api_prefix: ClassVar[str]  # "/api/users"
    openapi_title: ClassVar[str]  # "Shop users service"

    async def test_alive(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{self.api_prefix}/healthz")

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    async def test_ready_when_its_database_answers_through_pgbouncer(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(f"{self.api_prefix}/readyz")

        assert response.status_code == 200
        assert response.json()["database"] == "ok"

    async def test_openapi_is_served_under_the_service_prefix(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(f"{self.api_prefix}/openapi.json")

        assert response.status_code == 200
        assert response.json()["info"]["title"] == self.openapi_title

    async def test_the_docs_page_is_left_to_the_gateway(self, client: httpx.AsyncClient) -> None:
        # The gateway serves it, with Swagger UI from itself (docs/api-contract.md); the
        # service's own would load Swagger UI from a CDN.
        response = await client.get(f"{self.api_prefix}/docs")

        assert response.status_code == 404


async def _fetch_tables(stack: DatabaseStack, schema: str) -> set[str]:
    connection = await asyncpg.connect(stack.direct_dsn(schema))
    try:
        rows = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = $1", schema
        )
    finally:
        await connection.close()
    return {row["tablename"] for row in rows}


def tables_in_schema(stack: DatabaseStack, schema: str) -> set[str]:
    return asyncio.run(_fetch_tables(stack, schema))


class MigrationChecks:
    """The service's chain: reversible, in its own schema, and in step with the models."""

    service: ClassVar[str]  # its schema and its roles' prefix: "users"
    service_dir: ClassVar[Path]  # where its alembic.ini is

    def test_upgrade_downgrade_upgrade_round_trips(
        self, settings: object, database_stack: DatabaseStack
    ) -> None:
        config = alembic_config(self.service_dir, database_stack.direct_url(self.service))
        at_head = tables_in_schema(database_stack, self.service)

        command.downgrade(config, "base")
        at_base = tables_in_schema(database_stack, self.service)
        command.upgrade(config, "head")

        assert at_base == {"alembic_version"}
        assert tables_in_schema(database_stack, self.service) == at_head
        assert at_head > {"alembic_version"}

    def test_models_and_migrations_agree(
        self, settings: object, database_stack: DatabaseStack
    ) -> None:
        # Raises if autogenerate would produce any operation for this schema.
        command.check(alembic_config(self.service_dir, database_stack.direct_url(self.service)))
