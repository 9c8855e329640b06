"""Placements whose outcome is unknown are resolved: their stock is released, never lost."""

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from orders.settings import OrdersSettings
from orders_testing.fake_catalog import FakeCatalog, Fault
from orders_testing.placing import Actor, place
from orders_testing.recovery import Resolve
from testing_kit.waiting import eventually


async def _placing(database_rows: Any) -> list[Any]:
    return list(await database_rows("SELECT id FROM orders.orders WHERE status = 'placing'"))


async def _abandon(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, kind: Any
) -> Any:
    """Place an order while catalog fails in the way `kind` says; the client gets a 503."""
    mug = fake_catalog.add_product(stock=10)
    fake_catalog.faults.append(Fault(kind, times=3))
    response = await place(client, customer, (mug, 1))
    assert response.status_code == 503
    return mug


async def test_a_placement_that_reserved_but_lost_the_answer_is_released_and_removed(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    resolve: Resolve,
) -> None:
    mug = await _abandon(client, fake_catalog, customer, "lose-answer")
    assert fake_catalog.stock(mug) == (9, 1, 0)  # held, and orders could not know

    resolved = await resolve()

    assert resolved == 1
    assert fake_catalog.stock(mug) == (10, 0, 0)
    assert await _placing(database_rows) == []


async def test_a_placement_catalog_never_saw_is_removed(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    resolve: Resolve,
) -> None:
    mug = await _abandon(client, fake_catalog, customer, "timeout")

    resolved = await resolve()

    assert resolved == 1
    assert fake_catalog.reservation_calls("/release")  # asked, and got 404: nothing held
    assert fake_catalog.stock(mug) == (10, 0, 0)
    assert await _placing(database_rows) == []


async def test_a_placement_stays_while_catalog_cannot_answer(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    resolve: Resolve,
) -> None:
    await _abandon(client, fake_catalog, customer, "lose-answer")
    fake_catalog.faults.append(Fault("refuse", path="/release", times=100))

    resolved = await resolve()

    assert resolved == 0
    assert len(await _placing(database_rows)) == 1


async def test_a_placement_younger_than_the_minimum_age_is_left_alone(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    resolve: Resolve,
) -> None:
    await _abandon(client, fake_catalog, customer, "lose-answer")

    resolved = await resolve(older_than=timedelta(hours=1))

    assert resolved == 0
    assert len(await _placing(database_rows)) == 1
    assert fake_catalog.reservation_calls("/release") == []


async def test_concurrent_reconcilers_resolve_each_placement_once(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    new_customer: Callable[[], Actor],
    database_rows: Any,
    resolve: Resolve,
) -> None:
    # A customer each: one customer's placements in flight count against their caps.
    mugs = [await _abandon(client, fake_catalog, new_customer(), "lose-answer") for _ in range(6)]

    rounds = await asyncio.gather(resolve(), resolve(), resolve())

    assert sum(rounds) == 6
    assert len(fake_catalog.reservation_calls("/release")) == 6
    assert all(fake_catalog.stock(mug) == (10, 0, 0) for mug in mugs)
    assert await _placing(database_rows) == []


async def test_a_placement_completing_after_it_was_reconciled_gives_its_stock_back(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    resolve: Resolve,
) -> None:
    mug = fake_catalog.add_product(stock=10)
    late = Fault("wait")
    fake_catalog.faults.append(late)
    placement = asyncio.create_task(place(client, customer, (mug, 1)))
    await asyncio.wait_for(late.arrived.wait(), timeout=5)

    assert await resolve() == 1  # the reconciler gives up on it while it is in flight...
    late.gate.set()  # ...and only then does catalog reserve
    response = await placement

    assert response.status_code == 503
    assert fake_catalog.stock(mug) == (10, 0, 0)
    assert await database_rows("SELECT id FROM orders.orders") == []


async def test_the_app_runs_the_reconciler_in_the_background(
    serve_orders: Callable[..., Any],
    settings: OrdersSettings,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
) -> None:
    background = settings.model_copy(
        update={
            "reconciler_enabled": True,
            "reconciler_interval_seconds": 0.1,
            "catalog_call_deadline_seconds": 0.5,
            "reconciler_min_age_seconds": 0.6,
        }
    )
    async with serve_orders(background) as client:
        mug = await _abandon(client, fake_catalog, customer, "lose-answer")

        async def resolved() -> bool:
            return await _placing(database_rows) == []

        assert await eventually(resolved, within_seconds=10)
    assert fake_catalog.stock(mug) == (10, 0, 0)
