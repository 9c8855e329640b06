"""A customer's caps: so many orders awaiting confirmation, so many units held, exactly.

Orders placing or pending count; confirming, cancelling or a refusal frees their share. Every
test also checks that the counted holds equal the customer's open orders (`holds_of`).
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest

from orders.settings import OrdersSettings
from orders_testing.fake_catalog import FakeCatalog, Fault
from orders_testing.placing import Actor, holds_of, place
from orders_testing.recovery import Resolve
from testing_kit.database_stack import DatabaseStack
from testing_kit.waiting import eventually

PENDING_CAP = 3
UNITS_CAP = 10


def _capped(settings: OrdersSettings, *, pending: int, units: int) -> OrdersSettings:
    return settings.model_copy(
        update={"max_pending_orders_per_customer": pending, "max_held_units_per_customer": units}
    )


@pytest.fixture
async def capped(
    serve_orders: Callable[..., Any], settings: OrdersSettings
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_orders(_capped(settings, pending=PENDING_CAP, units=UNITS_CAP)) as client:
        yield client


Burst = Callable[[Actor, Callable[[], Awaitable[httpx.Response]], int], Awaitable[list[Any]]]


@pytest.fixture
def burst(database_stack: DatabaseStack, waiting_on_locks: Callable[[], Awaitable[int]]) -> Burst:
    """Run `count` placements of one customer so that they meet at the database at once.

    The customer's holds row is locked meanwhile, so every placement's statement gets as far
    as it can and waits there; then all go together. A check that read the counts before
    waiting (or did not wait) would let too many through. `count` stays below the size of
    PgBouncer's pool (10), so that every statement reaches Postgres.
    """

    @asynccontextmanager
    async def holding_the_row(actor: Actor) -> AsyncIterator[None]:
        connection = await asyncpg.connect(database_stack.direct_dsn("orders"))
        try:
            async with connection.transaction():
                await connection.execute(
                    "SELECT 1 FROM orders.customer_holds WHERE customer_id = $1 FOR UPDATE",
                    actor.user_id,
                )
                yield
        finally:
            await connection.close()

    async def run(
        actor: Actor, placement: Callable[[], Awaitable[httpx.Response]], count: int
    ) -> list[Any]:
        async with holding_the_row(actor):
            tasks = [asyncio.create_task(placement()) for _ in range(count)]

            async def all_waiting() -> bool:
                return await waiting_on_locks() >= count

            assert await eventually(all_waiting, within_seconds=10)
        return list(await asyncio.gather(*tasks))

    return run


def _refused(response: httpx.Response, code: str) -> dict[str, Any]:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    body: dict[str, Any] = response.json()
    return body


async def _move(
    client: httpx.AsyncClient, actor: Actor, order: httpx.Response, action: str
) -> None:
    moved = await client.post(
        f"/api/orders/orders/{order.json()['id']}/{action}", headers=actor.headers
    )
    assert moved.status_code == 200, moved.text


async def test_a_customer_may_have_as_many_pending_orders_as_the_cap_and_no_more(
    capped: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, database_rows: Any
) -> None:
    mug = fake_catalog.add_product(stock=100)
    placed = [await place(capped, customer, (mug, 1)) for _ in range(PENDING_CAP)]

    refused = await place(capped, customer, (mug, 1))

    assert [response.status_code for response in placed] == [201] * PENDING_CAP
    problem = _refused(refused, "too-many-pending-orders")
    assert problem["limit"] == PENDING_CAP
    assert str(PENDING_CAP) in problem["detail"]
    assert len(fake_catalog.reservation_calls()) == PENDING_CAP  # catalog was not asked
    assert fake_catalog.stock(mug) == (97, 3, 0)
    assert await holds_of(database_rows, customer) == (3, 3)


async def test_an_order_beyond_the_units_cap_is_refused_before_catalog_is_asked(
    capped: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, database_rows: Any
) -> None:
    mug = fake_catalog.add_product(stock=100)

    refused = await place(capped, customer, (mug, UNITS_CAP + 1))

    problem = _refused(refused, "hold-limit-exceeded")
    assert (problem["limit"], problem["requested"]) == (UNITS_CAP, UNITS_CAP + 1)
    assert fake_catalog.reservation_calls() == []
    assert await database_rows("SELECT id FROM orders.orders") == []
    assert await holds_of(database_rows, customer) == (0, 0)


async def test_the_units_of_all_pending_orders_and_lines_count_together(
    capped: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, database_rows: Any
) -> None:
    mug, cup = fake_catalog.add_product(stock=100), fake_catalog.add_product(stock=100)
    first = await place(capped, customer, (mug, 3), (cup, 2), (mug, 1))
    second = await place(capped, customer, (cup, 4))

    refused = await place(capped, customer, (mug, 1))

    assert (first.status_code, second.status_code) == (201, 201)
    _refused(refused, "hold-limit-exceeded")
    assert await holds_of(database_rows, customer) == (2, 10)


@pytest.mark.parametrize(("action", "by_admin"), [("cancel", False), ("confirm", True)])
async def test_an_order_that_leaves_pending_frees_its_share(
    capped: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
    action: str,
    by_admin: bool,
) -> None:
    mug = fake_catalog.add_product(stock=100)
    first, *_ = [await place(capped, customer, (mug, 2)) for _ in range(PENDING_CAP)]
    await _move(capped, admin if by_admin else customer, first, action)

    again = await place(capped, customer, (mug, 2))

    assert again.status_code == 201, again.text
    assert await holds_of(database_rows, customer) == (3, 6)


async def test_cancelling_a_confirmed_order_frees_nothing_twice(
    capped: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
) -> None:
    mug = fake_catalog.add_product(stock=100)
    order = await place(capped, customer, (mug, 5))
    await _move(capped, admin, order, "confirm")
    await _move(capped, admin, order, "cancel")

    placed = [await place(capped, customer, (mug, 3)) for _ in range(PENDING_CAP)]

    assert [response.status_code for response in placed] == [201] * PENDING_CAP
    assert await holds_of(database_rows, customer) == (3, 9)


async def test_refused_placements_hold_nothing(
    capped: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, database_rows: Any
) -> None:
    scarce = fake_catalog.add_product(stock=1)
    withdrawn = fake_catalog.add_product(active=False)
    precious = fake_catalog.add_product(stock=10, price="9999999999.99")

    refusals = [
        await place(capped, customer, (scarce, 2)),
        await place(capped, customer, (withdrawn, 1)),
        await place(capped, customer, (precious, 2)),
    ]

    assert [response.json()["code"] for response in refusals] == [
        "insufficient-stock",
        "product-unavailable",
        "order-total-too-large",
    ]
    assert await holds_of(database_rows, customer) == (0, 0)


async def test_a_placement_with_an_unknown_outcome_counts_until_it_is_resolved(
    capped: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    resolve: Resolve,
) -> None:
    mug = fake_catalog.add_product(stock=100)
    for _ in range(PENDING_CAP - 1):
        assert (await place(capped, customer, (mug, 1))).status_code == 201
    fake_catalog.faults.append(Fault("lose-answer", times=3))
    assert (await place(capped, customer, (mug, 1))).status_code == 503

    while_unresolved = await place(capped, customer, (mug, 1))
    assert await resolve() == 1
    once_resolved = await place(capped, customer, (mug, 1))

    _refused(while_unresolved, "too-many-pending-orders")
    assert once_resolved.status_code == 201
    assert fake_catalog.stock(mug) == (97, 3, 0)
    assert await holds_of(database_rows, customer) == (3, 3)


async def test_replaying_a_placed_order_counts_nothing(
    capped: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, database_rows: Any
) -> None:
    mug = fake_catalog.add_product(stock=100)
    for number in range(PENDING_CAP):
        await place(capped, customer, (mug, 1), idempotency_key=f"key-{number}")

    replay = await place(capped, customer, (mug, 1), idempotency_key="key-0")

    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert await holds_of(database_rows, customer) == (3, 3)


async def test_each_customer_has_caps_of_their_own(
    capped: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    new_customer: Callable[[], Actor],
    database_rows: Any,
) -> None:
    mug = fake_catalog.add_product(stock=100)
    busy, other = new_customer(), new_customer()
    for _ in range(PENDING_CAP):
        await place(capped, busy, (mug, 1))

    response = await place(capped, other, (mug, UNITS_CAP))

    assert response.status_code == 201
    assert await holds_of(database_rows, other) == (1, UNITS_CAP)


async def test_concurrent_placements_at_the_cap_let_exactly_the_allowed_number_through(
    capped: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    burst: Burst,
) -> None:
    mug = fake_catalog.add_product(stock=100)
    assert (await place(capped, customer, (mug, 1))).status_code == 201

    responses = await burst(customer, lambda: place(capped, customer, (mug, 1)), 8)

    assert Counter(response.status_code for response in responses) == {201: 2, 409: 6}
    codes = {response.json()["code"] for response in responses if response.status_code == 409}
    assert codes == {"too-many-pending-orders"}
    assert fake_catalog.stock(mug) == (97, 3, 0)
    assert await holds_of(database_rows, customer) == (3, 3)


async def test_concurrent_placements_never_hold_more_units_than_the_cap(
    serve_orders: Callable[..., Any],
    settings: OrdersSettings,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    burst: Burst,
) -> None:
    mug = fake_catalog.add_product(stock=100)
    async with serve_orders(_capped(settings, pending=100, units=UNITS_CAP)) as client:
        assert (await place(client, customer, (mug, 4))).status_code == 201
        responses = await burst(customer, lambda: place(client, customer, (mug, 4)), 8)

    assert Counter(response.status_code for response in responses) == {201: 1, 409: 7}
    codes = {response.json()["code"] for response in responses if response.status_code == 409}
    assert codes == {"hold-limit-exceeded"}
    assert fake_catalog.stock(mug) == (92, 8, 0)
    assert await holds_of(database_rows, customer) == (2, 8)


async def test_a_lowered_cap_applies_to_the_next_placement(
    serve_orders: Callable[..., Any],
    settings: OrdersSettings,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
) -> None:
    mug = fake_catalog.add_product(stock=100)
    async with serve_orders(_capped(settings, pending=3, units=UNITS_CAP)) as before:
        placed = [await place(before, customer, (mug, 1)) for _ in range(3)]
    async with serve_orders(_capped(settings, pending=2, units=UNITS_CAP)) as after:
        refused = await place(after, customer, (mug, 1))
        for order in placed[:2]:
            await _move(after, customer, order, "cancel")
        placed_again = await place(after, customer, (mug, 1))

    _refused(refused, "too-many-pending-orders")
    assert placed_again.status_code == 201
    assert await holds_of(database_rows, customer) == (2, 2)
