"""Idempotency-Key on placement: a repeated request gets the first result, never a second order."""

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from orders_testing.fake_catalog import FakeCatalog, Fault
from orders_testing.placing import Actor, place


async def test_same_key_and_body_returns_the_first_order_without_touching_stock(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product(stock=10)

    first = await place(client, customer, (mug, 2), idempotency_key="checkout-1")
    repeat = await place(client, customer, (mug, 2), idempotency_key="checkout-1")

    assert first.status_code == repeat.status_code == 201
    assert repeat.json() == first.json()
    assert repeat.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(fake_catalog.reservation_calls()) == 1
    assert fake_catalog.stock(mug) == (8, 2, 0)


async def test_the_same_lines_in_another_order_or_split_count_as_the_same_body(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product()
    pen = fake_catalog.add_product()

    first = await place(client, customer, (mug, 2), (pen, 1), idempotency_key="k")
    repeat = await place(client, customer, (pen, 1), (mug, 1), (mug, 1), idempotency_key="k")

    assert repeat.status_code == 201
    assert repeat.json()["id"] == first.json()["id"]


async def test_same_key_with_a_different_body_is_a_422_and_touches_no_stock(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product(stock=10)
    await place(client, customer, (mug, 2), idempotency_key="checkout-1")

    response = await place(client, customer, (mug, 3), idempotency_key="checkout-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency-key-reused"
    assert fake_catalog.stock(mug) == (8, 2, 0)


async def test_without_a_key_every_request_is_a_new_order(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product(stock=10)

    first = await place(client, customer, (mug, 1))
    second = await place(client, customer, (mug, 1))

    assert first.json()["id"] != second.json()["id"]
    assert fake_catalog.stock(mug) == (8, 2, 0)


async def test_keys_belong_to_one_customer(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, new_customer: Callable[[], Actor]
) -> None:
    mug = fake_catalog.add_product(stock=10)
    alice, bob = new_customer(), new_customer()

    alices = await place(client, alice, (mug, 1), idempotency_key="cart-1")
    bobs = await place(client, bob, (mug, 1), idempotency_key="cart-1")

    assert bobs.status_code == 201
    assert bobs.json()["id"] != alices.json()["id"]
    assert bobs.json()["customer_id"] == str(bob.user_id)


async def test_concurrent_duplicates_create_one_order(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, database_rows: Any
) -> None:
    mug = fake_catalog.add_product(stock=100)

    responses = await asyncio.gather(
        *(place(client, customer, (mug, 1), idempotency_key="double-click") for _ in range(10))
    )

    orders = await database_rows("SELECT id FROM orders.orders")
    assert len(orders) == 1
    for response in responses:
        assert (response.status_code, response.json().get("id")) in {
            (201, str(orders[0]["id"])),
            (409, None),
        }
    assert fake_catalog.stock(mug) == (99, 1, 0)


async def test_a_duplicate_while_the_first_is_still_placing_is_a_409_with_retry_after(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product(stock=10)
    slow = Fault("wait")
    fake_catalog.faults.append(slow)
    first = asyncio.create_task(place(client, customer, (mug, 1), idempotency_key="k"))
    await asyncio.wait_for(slow.arrived.wait(), timeout=5)

    duplicate = await place(client, customer, (mug, 1), idempotency_key="k")
    slow.gate.set()

    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "order-placement-in-progress"
    assert int(duplicate.headers["Retry-After"]) > 0
    assert (await first).status_code == 201
    assert (await place(client, customer, (mug, 1), idempotency_key="k")).json()["id"] == (
        (await first).json()["id"]
    )


async def test_a_refused_placement_stores_nothing_so_its_key_can_be_tried_again(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product(stock=1)
    refused = await place(client, customer, (mug, 2), idempotency_key="k")
    fake_catalog.products[mug].available = 5  # restocked

    retried = await place(client, customer, (mug, 2), idempotency_key="k")

    assert refused.status_code == 409
    assert retried.status_code == 201


async def test_a_malformed_key_is_a_422(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product()

    too_long = await place(client, customer, (mug, 1), idempotency_key="k" * 201)
    with_space = await place(client, customer, (mug, 1), idempotency_key="two words")

    assert too_long.status_code == with_space.status_code == 422
    assert fake_catalog.reservation_calls() == []
