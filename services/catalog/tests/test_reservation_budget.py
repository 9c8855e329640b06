"""What reserving stock asks of the catalog database, counted, so it cannot grow.

Counts are deterministic where timings are not (statement_meter.py says what is counted).
A change that adds a statement, a transaction or a connection to these paths fails here:
if it is worth it, change the budget in the same commit and say why.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from catalog.main import create_app
from catalog.settings import CatalogSettings
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import serve, truncate_schema
from testing_kit.statement_meter import Budget, StatementMeter
from testing_kit.tokens import SigningKey

Json = dict[str, Any]


# One statement, atomic by itself, so no BEGIN/COMMIT (repository.reserve), and no arrays
# for asyncpg to introspect. Before: one transaction of 4 statements plus 7 introspection
# queries on each new connection (24 round trips).
RESERVE = Budget(connections=1, transactions=0, statements=1, driver_queries=0, round_trips=2)
# The attempt writes nothing; a second statement (a fresh snapshot) finds the key. Before:
# 1 transaction, 3 statements (8 round trips); a refusal 2 statements and 3 introspection
# queries (12).
RESERVE_REPLAYED = Budget(
    connections=1, transactions=0, statements=2, driver_queries=0, round_trips=4
)
RESERVE_REFUSED = Budget(
    connections=1, transactions=0, statements=2, driver_queries=0, round_trips=4
)


@pytest.fixture
async def metered(
    settings: CatalogSettings, signing_key: SigningKey, database_stack: DatabaseStack
) -> AsyncIterator[tuple[httpx.AsyncClient, StatementMeter]]:
    app = create_app(settings, jwks_source=signing_key.jwks_source)
    async with serve(app) as client:
        yield client, StatementMeter(app.state.database.engine)
    await truncate_schema(database_stack.direct_dsn("catalog"), "catalog")


@pytest.fixture
async def products(
    metered: tuple[httpx.AsyncClient, StatementMeter], admin: dict[str, str]
) -> list[Json]:
    client, _ = metered
    category = await client.post("/api/catalog/categories", json={"name": "Budget"}, headers=admin)
    created = []
    for number in range(3):
        response = await client.post(
            "/api/catalog/products",
            json={
                "name": f"Item {number}",
                "sku": f"BUD-{number}",
                "price": "2.50",
                "category_id": category.json()["id"],
                "stock": 10,
            },
            headers=admin,
        )
        created.append(response.json())
    return created


def _body(key: str, products: list[Json], quantity: int = 1) -> Json:
    return {
        "key": key,
        "lines": [{"product_id": product["id"], "quantity": quantity} for product in products],
    }


async def test_reserving_stays_within_its_budget(
    metered: tuple[httpx.AsyncClient, StatementMeter], orders: dict[str, str], products: list[Json]
) -> None:
    client, meter = metered

    async with meter.counting() as tally:
        response = await client.post(
            "/internal/reservations", json=_body("budget-1", products), headers=orders
        )

    assert response.status_code == 201
    RESERVE.check(tally)


async def test_replaying_a_reservation_stays_within_its_budget(
    metered: tuple[httpx.AsyncClient, StatementMeter], orders: dict[str, str], products: list[Json]
) -> None:
    client, meter = metered
    first = await client.post(
        "/internal/reservations", json=_body("budget-2", products), headers=orders
    )

    async with meter.counting() as tally:
        replay = await client.post(
            "/internal/reservations", json=_body("budget-2", products), headers=orders
        )

    assert (replay.status_code, replay.json()) == (200, first.json())
    RESERVE_REPLAYED.check(tally)


async def test_refusing_a_reservation_stays_within_its_budget(
    metered: tuple[httpx.AsyncClient, StatementMeter], orders: dict[str, str], products: list[Json]
) -> None:
    client, meter = metered

    async with meter.counting() as tally:
        response = await client.post(
            "/internal/reservations", json=_body("budget-3", products, 11), headers=orders
        )

    assert response.status_code == 409
    RESERVE_REFUSED.check(tally)
