"""The orders chain: what every chain is (MigrationChecks), and what its data migrations do."""

import asyncio
import uuid
from datetime import timedelta

import asyncpg
from alembic import command

from orders_testing import SERVICE_DIR
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import alembic_config, truncate_schema
from testing_kit.service_checks import MigrationChecks


class TestMigrations(MigrationChecks):
    service = "orders"
    service_dir = SERVICE_DIR


_ORDERS_AT_0002 = """
    INSERT INTO orders.orders (id, number, customer_id, status, total, updated_at)
    VALUES ($1, 'SO-1', $5, 'pending', 50, '2026-11-30T10:00:00Z'),
           ($2, 'SO-2', $5, 'placing', 0, now()),
           ($3, 'SO-3', $5, 'confirmed', 40, now()),
           ($4, 'SO-4', $6, 'cancelled', 10, now())
"""
_LINES_AT_0002 = """
    INSERT INTO orders.order_lines
        (id, order_id, line_number, product_id, sku, name, unit_price, quantity, line_total)
    VALUES (gen_random_uuid(), $1, 1, gen_random_uuid(), 'A', 'A', 10, 2, 20),
           (gen_random_uuid(), $1, 2, gen_random_uuid(), 'B', 'B', 10, 3, 30),
           (gen_random_uuid(), $2, 1, gen_random_uuid(), 'C', 'C', 10, 4, 40),
           (gen_random_uuid(), $3, 1, gen_random_uuid(), 'D', 'D', 10, 1, 10)
"""


async def _execute(stack: DatabaseStack, query: str, *arguments: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(stack.direct_dsn("orders"))
    try:
        return list(await connection.fetch(query, *arguments))
    finally:
        await connection.close()


def test_upgrading_counts_what_each_customer_holds(
    settings: object, database_stack: DatabaseStack
) -> None:
    config = alembic_config(SERVICE_DIR, database_stack.direct_url("orders"))
    pending, placing, confirmed, cancelled = (uuid.uuid4() for _ in range(4))
    busy, done = uuid.uuid4(), uuid.uuid4()
    command.downgrade(config, "0002")
    try:
        ids = (pending, placing, confirmed, cancelled, busy, done)
        asyncio.run(_execute(database_stack, _ORDERS_AT_0002, *ids))
        asyncio.run(_execute(database_stack, _LINES_AT_0002, pending, confirmed, cancelled))
        command.upgrade(config, "head")

        orders = asyncio.run(
            _execute(
                database_stack,
                "SELECT id, units, reservation_expires_at - updated_at AS hold FROM orders.orders",
            )
        )
        holds = asyncio.run(_execute(database_stack, "SELECT * FROM orders.customer_holds"))
    finally:
        command.upgrade(config, "head")
        asyncio.run(truncate_schema(database_stack.direct_dsn("orders"), "orders"))

    by_id = {row["id"]: (row["units"], row["hold"]) for row in orders}
    assert by_id == {
        pending: (5, timedelta(hours=1)),
        placing: (0, None),
        confirmed: (4, None),
        cancelled: (1, None),
    }
    assert [tuple(row.values()) for row in holds] == [(busy, 2, 5, 2, 5)]
