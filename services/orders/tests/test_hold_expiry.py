"""A pending order whose stock hold ran out is cancelled by the system, and is never revenue.

The clock: `_run_out` does what the passing of the hold's time does - catalog's expiry puts
the stock back (the fake's `expire`) and the end orders recorded for the hold is now past.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from orders.settings import OrdersSettings
from orders_testing.fake_catalog import FakeCatalog, Fault
from orders_testing.placing import Actor, holds_of, place
from orders_testing.recovery import Sweep
from testing_kit.waiting import eventually

SYSTEM = (str(uuid.UUID(int=0)), "system")


async def _order(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, owner: Actor, *, price: str = "12.50"
) -> Any:
    response = await place(client, owner, (fake_catalog.add_product(stock=10, price=price), 2))
    assert response.status_code == 201, response.text
    return response.json()


def _product(order: Any) -> uuid.UUID:
    return uuid.UUID(order["lines"][0]["product_id"])


async def _run_out(
    database_rows: Any, fake_catalog: FakeCatalog, order: Any, *, in_catalog: bool = True
) -> None:
    """The hold's time passes: for orders always; for catalog too unless told otherwise."""
    if in_catalog:
        fake_catalog.expire(f"order-{order['id']}")
    await database_rows(
        "UPDATE orders.orders SET reservation_expires_at = now() - interval '1 second'"
        " WHERE id = $1",
        uuid.UUID(order["id"]),
    )


async def _read(client: httpx.AsyncClient, admin: Actor, order: Any) -> Any:
    return (await client.get(f"/api/orders/orders/{order['id']}", headers=admin.headers)).json()


async def test_a_pending_order_records_when_catalog_lets_its_hold_go(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, database_rows: Any
) -> None:
    order = await _order(client, fake_catalog, customer)

    (row,) = await database_rows(
        "SELECT reservation_expires_at FROM orders.orders WHERE id = $1", uuid.UUID(order["id"])
    )

    reservation = fake_catalog.reservations[f"order-{order['id']}"]
    assert row["reservation_expires_at"] == reservation.expires_at


async def test_an_order_whose_hold_expired_is_cancelled_by_the_system(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
    sweep: Sweep,
) -> None:
    order = await _order(client, fake_catalog, customer)
    await _run_out(database_rows, fake_catalog, order)

    cancelled = await sweep()

    assert cancelled == 1
    after = await _read(client, admin, order)
    assert after["status"] == "cancelled"
    last = after["history"][-1]
    assert (last["from_status"], last["to_status"]) == ("pending", "cancelled")
    assert (last["actor_id"], last["actor_role"]) == SYSTEM
    assert len(fake_catalog.reservation_calls("/release")) == 1  # answered `expired`
    assert fake_catalog.stock(_product(order)) == (10, 0, 0)
    assert await holds_of(database_rows, customer) == (0, 0)


async def test_an_order_whose_hold_has_not_expired_stays_pending(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    sweep: Sweep,
) -> None:
    order = await _order(client, fake_catalog, customer)

    cancelled = await sweep()

    assert cancelled == 0
    assert (await _read(client, admin, order))["status"] == "pending"
    assert fake_catalog.reservation_calls("/release") == []
    assert fake_catalog.stock(_product(order)) == (8, 2, 0)


async def test_a_hold_catalog_has_not_swept_yet_is_released_before_the_cancel(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
    sweep: Sweep,
) -> None:
    order = await _order(client, fake_catalog, customer)
    await _run_out(database_rows, fake_catalog, order, in_catalog=False)

    assert await sweep() == 1

    assert (await _read(client, admin, order))["status"] == "cancelled"
    assert fake_catalog.reservations[f"order-{order['id']}"].status == "released"
    assert fake_catalog.stock(_product(order)) == (10, 0, 0)


async def test_an_order_stays_pending_while_catalog_cannot_confirm_its_stock_is_back(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
    sweep: Sweep,
) -> None:
    order = await _order(client, fake_catalog, customer)
    await _run_out(database_rows, fake_catalog, order, in_catalog=False)
    fake_catalog.faults.append(Fault("refuse", path="/release", times=100))

    while_down = await sweep()
    fake_catalog.faults.clear()
    once_back = await sweep()

    assert (while_down, once_back) == (0, 1)
    assert (await _read(client, admin, order))["status"] == "cancelled"
    assert fake_catalog.stock(_product(order)) == (10, 0, 0)
    assert await holds_of(database_rows, customer) == (0, 0)


async def test_concurrent_sweeps_cancel_each_order_once(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    new_customer: Callable[[], Actor],
    database_rows: Any,
    sweep: Sweep,
) -> None:
    orders = [await _order(client, fake_catalog, new_customer()) for _ in range(6)]
    for order in orders:
        await _run_out(database_rows, fake_catalog, order)

    rounds = await asyncio.gather(sweep(), sweep(), sweep())

    assert sum(rounds) == 6
    assert len(fake_catalog.reservation_calls("/release")) == 6
    steps = await database_rows(
        "SELECT order_id FROM orders.order_status_changes WHERE to_status = 'cancelled'"
    )
    assert sorted(str(step["order_id"]) for step in steps) == sorted(o["id"] for o in orders)


async def test_a_customer_cancelling_while_the_sweep_holds_the_order_waits_and_finds_it_cancelled(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
    waiting_on_locks: Callable[[], Awaitable[int]],
    sweep: Sweep,
) -> None:
    order = await _order(client, fake_catalog, customer)
    await _run_out(database_rows, fake_catalog, order)
    held = Fault("wait", path="/release")
    fake_catalog.faults.append(held)
    sweeping = asyncio.create_task(sweep())
    await asyncio.wait_for(held.arrived.wait(), timeout=5)

    cancelling = asyncio.create_task(
        client.post(f"/api/orders/orders/{order['id']}/cancel", headers=customer.headers)
    )

    async def waiting_for_the_sweep() -> bool:
        return await waiting_on_locks() > 0

    assert await eventually(waiting_for_the_sweep, within_seconds=5)
    held.gate.set()

    assert await sweeping == 1
    response = await cancelling
    assert response.status_code == 409
    assert response.json()["current_status"] == "cancelled"
    history = (await _read(client, admin, order))["history"]
    assert [(step["to_status"], step["actor_role"]) for step in history] == [
        ("pending", "customer"),
        ("cancelled", "system"),
    ]
    assert fake_catalog.stock(_product(order)) == (10, 0, 0)
    assert await holds_of(database_rows, customer) == (0, 0)


async def test_statistics_never_count_an_order_whose_hold_expired(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
    sweep: Sweep,
) -> None:
    kept = await _order(client, fake_catalog, customer, price="10.00")
    lapsed = await _order(client, fake_catalog, customer, price="30.00")
    await _run_out(database_rows, fake_catalog, lapsed)

    async def stats() -> Any:
        return (await client.get("/api/orders/admin/stats", headers=admin.headers)).json()

    before_the_sweep = await stats()
    await sweep()
    after_the_sweep = await stats()

    for seen in (before_the_sweep, after_the_sweep):
        assert seen["revenue"] == kept["total"] == "20.00"
        assert seen["average_order_value"] == "20.00"
        assert (seen["orders_by_status"]["pending"], seen["orders_by_status"]["cancelled"]) == (
            1,
            1,
        )


async def test_the_app_runs_the_hold_expiry_sweep_in_the_background(
    serve_orders: Callable[..., Any],
    settings: OrdersSettings,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
) -> None:
    background = settings.model_copy(
        update={"hold_expiry_enabled": True, "hold_expiry_interval_seconds": 0.1}
    )
    async with serve_orders(background) as client:
        order = await _order(client, fake_catalog, customer)
        await _run_out(database_rows, fake_catalog, order)

        async def cancelled() -> bool:
            return bool((await _read(client, admin, order))["status"] == "cancelled")

        assert await eventually(cancelled, within_seconds=10)
    assert fake_catalog.stock(_product(order)) == (10, 0, 0)
