"""What placing and reading an order asks of the orders database, counted, so it cannot grow.

Counts are deterministic where timings are not (statement_meter.py says what is counted).
A change that adds a statement, a transaction or a connection to these paths fails here:
if it is worth it, change the budget in the same commit and say why.
"""

from collections.abc import AsyncIterator

import httpx
import pytest

from orders.main import create_app
from orders.settings import OrdersSettings
from orders_testing.fake_catalog import FakeCatalog
from orders_testing.placing import Actor, place
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import serve, truncate_schema
from testing_kit.statement_meter import Budget, StatementMeter
from testing_kit.tokens import SigningKey

# The saga needs two writes (the placeholder is committed before catalog is asked, and no
# transaction stays open while catalog is called); each is one statement that commits by
# itself. Before: 2 transactions, 5 statements, 14 round trips. The customer's caps cost no
# statement: write 1 counts the placement against them in the same statement (a CTE), and
# write 2 records the hold's end with the rest.
PLACEMENT = Budget(connections=2, transactions=0, statements=2, driver_queries=0, round_trips=4)
# The placeholder's insert steps aside (and counts nothing against the caps); one statement
# reads the first order. Before: 1
# transaction, 4 statements, 10 round trips.
PLACEMENT_REPLAYED = Budget(
    connections=1, transactions=0, statements=2, driver_queries=0, round_trips=4
)
# The order, its lines and its history in one statement. Before: 1 transaction, 3 statements,
# 8 round trips.
READ_ONE = Budget(connections=1, transactions=0, statements=1, driver_queries=0, round_trips=2)


@pytest.fixture
async def metered(
    settings: OrdersSettings,
    database_stack: DatabaseStack,
    signing_key: SigningKey,
    fake_catalog: FakeCatalog,
) -> AsyncIterator[tuple[httpx.AsyncClient, StatementMeter]]:
    app = create_app(
        settings, jwks_source=signing_key.jwks_source, catalog_transport=fake_catalog.transport
    )
    async with serve(app) as client:
        yield client, StatementMeter(app.state.database.engine)
    await truncate_schema(database_stack.direct_dsn("orders"), "orders")


async def test_placing_an_order_stays_within_its_budget(
    metered: tuple[httpx.AsyncClient, StatementMeter], fake_catalog: FakeCatalog, customer: Actor
) -> None:
    client, meter = metered
    lines = [(fake_catalog.add_product(), quantity) for quantity in (1, 2, 3)]

    async with meter.counting() as tally:
        response = await place(client, customer, *lines, idempotency_key="budget-1")

    assert response.status_code == 201
    PLACEMENT.check(tally)


async def test_replaying_a_placement_stays_within_its_budget(
    metered: tuple[httpx.AsyncClient, StatementMeter], fake_catalog: FakeCatalog, customer: Actor
) -> None:
    client, meter = metered
    lines = [(fake_catalog.add_product(), quantity) for quantity in (1, 2, 3)]
    first = await place(client, customer, *lines, idempotency_key="budget-2")

    async with meter.counting() as tally:
        replay = await place(client, customer, *lines, idempotency_key="budget-2")

    assert replay.json() == first.json()
    PLACEMENT_REPLAYED.check(tally)


async def test_reading_an_order_stays_within_its_budget(
    metered: tuple[httpx.AsyncClient, StatementMeter], fake_catalog: FakeCatalog, customer: Actor
) -> None:
    client, meter = metered
    lines = [(fake_catalog.add_product(), quantity) for quantity in (1, 2, 3)]
    order = (await place(client, customer, *lines)).json()

    async with meter.counting() as tally:
        response = await client.get(f"/api/orders/orders/{order['id']}", headers=customer.headers)

    assert response.json() == order
    READ_ONE.check(tally)
