"""Placing an order: stock reserved through catalog, catalog's data snapshotted, totals exact."""

import re
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orders.ordering import placement
from orders_testing import SERVICE_KEY
from orders_testing.fake_catalog import FakeCatalog
from orders_testing.placing import Actor, place


async def test_placing_reserves_the_stock_and_returns_a_pending_order(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product(stock=10)

    response = await place(client, customer, (mug, 3))

    assert response.status_code == 201
    order = response.json()
    assert order["status"] == "pending"
    assert order["customer_id"] == str(customer.user_id)
    assert response.headers["Location"] == f"/api/orders/orders/{order['id']}"
    assert fake_catalog.stock(mug) == (7, 3, 0)
    assert fake_catalog.reservations[f"order-{order['id']}"].status == "held"


async def test_lines_snapshot_catalog_name_sku_and_price(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product(name="Blue mug", sku="MUG-001", price="12.50")

    order = (await place(client, customer, (mug, 2))).json()
    fake_catalog.products[mug].price = Decimal("99.00")
    fake_catalog.products[mug].name = "Renamed mug"
    url = f"/api/orders/orders/{order['id']}"
    reread = (await client.get(url, headers=customer.headers)).json()

    assert reread["lines"] == [
        {
            "line_number": 1,
            "product_id": str(mug),
            "sku": "MUG-001",
            "name": "Blue mug",
            "unit_price": "12.50",
            "quantity": 2,
            "line_total": "25.00",
        }
    ]


async def test_totals_are_exact_decimals_as_strings(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    # 0.10 + 0.20 is not 0.30 in floating point; it is here.
    pen = fake_catalog.add_product(price="0.10")
    clip = fake_catalog.add_product(price="0.20")
    lamp = fake_catalog.add_product(price="19.99")

    order = (await place(client, customer, (pen, 1), (clip, 1), (lamp, 3))).json()

    assert [line["line_total"] for line in order["lines"]] == ["0.10", "0.20", "59.97"]
    assert order["total"] == "60.27"


async def test_the_order_number_is_human_readable_and_unique(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product(stock=100)

    numbers = [(await place(client, customer, (mug, 1))).json()["number"] for _ in range(5)]

    assert all(re.fullmatch(r"SO-\d{8}-[2-9A-HJKMNP-Z]{6}", number) for number in numbers)
    assert len(set(numbers)) == 5


async def test_repeated_products_are_merged_into_one_line_in_first_mention_order(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product()
    pen = fake_catalog.add_product()

    order = (await place(client, customer, (mug, 1), (pen, 2), (mug, 3))).json()

    assert [(line["product_id"], line["quantity"]) for line in order["lines"]] == [
        (str(mug), 4),
        (str(pen), 2),
    ]
    assert fake_catalog.stock(mug) == (6, 4, 0)


async def test_history_starts_with_the_customer_placing_it(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    order = (await place(client, customer, (fake_catalog.add_product(), 1))).json()

    assert len(order["history"]) == 1
    assert order["history"][0]["from_status"] is None
    assert order["history"][0]["to_status"] == "pending"
    assert order["history"][0]["actor_id"] == str(customer.user_id)
    assert order["history"][0]["actor_role"] == "customer"


async def test_internal_calls_carry_the_service_credential_and_the_reservation_ttl(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    await place(client, customer, (fake_catalog.add_product(), 1))

    (call,) = fake_catalog.reservation_calls()
    assert call.authorization == f"Bearer {SERVICE_KEY}"
    assert b'"ttl_seconds":120' in call.body.replace(b" ", b"")


async def test_not_enough_stock_is_a_409_with_the_short_lines_and_stores_nothing(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
) -> None:
    mug = fake_catalog.add_product(stock=5)
    pen = fake_catalog.add_product(stock=1)

    response = await place(client, customer, (mug, 2), (pen, 3))

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "insufficient-stock"
    assert response.json()["shortages"] == [
        {"product_id": str(pen), "requested": 3, "available": 1}
    ]
    assert fake_catalog.stock(mug) == (5, 0, 0)
    assert await database_rows("SELECT id FROM orders.orders") == []


async def test_unknown_or_inactive_products_are_a_422_and_store_nothing(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
) -> None:
    retired = fake_catalog.add_product(active=False)
    unknown = uuid.uuid4()

    response = await place(client, customer, (retired, 1), (unknown, 1))

    assert response.status_code == 422
    assert response.json()["code"] == "product-unavailable"
    assert set(response.json()["product_ids"]) == {str(retired), str(unknown)}
    assert await database_rows("SELECT id FROM orders.orders") == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"lines": []},
        {"lines": [{"product_id": str(uuid.uuid4()), "quantity": 0}]},
        {"lines": [{"product_id": str(uuid.uuid4()), "quantity": -1}]},
        {"lines": [{"product_id": str(uuid.uuid4()), "quantity": 1001}]},
        {"lines": [{"product_id": "not-a-uuid", "quantity": 1}]},
        {"lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}] * 51},
        {"lines": [{"product_id": str(uuid.uuid4()), "quantity": 1, "unit_price": "0.01"}]},
    ],
    ids=[
        "no-lines-field",
        "no-lines",
        "zero-quantity",
        "negative-quantity",
        "quantity-over-limit",
        "bad-product-id",
        "too-many-lines",
        "client-sends-a-price",
    ],
)
async def test_invalid_orders_are_422_and_never_reach_catalog(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, body: dict[str, Any]
) -> None:
    response = await client.post("/api/orders/orders", json=body, headers=customer.headers)

    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"
    assert fake_catalog.reservation_calls() == []


async def test_merged_quantity_over_the_limit_is_a_422(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product(stock=5000)

    response = await place(client, customer, (mug, 600), (mug, 600))

    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"
    assert fake_catalog.reservation_calls() == []


async def test_placing_needs_a_token(client: httpx.AsyncClient, fake_catalog: FakeCatalog) -> None:
    response = await client.post(
        "/api/orders/orders",
        json={"lines": [{"product_id": str(fake_catalog.add_product()), "quantity": 1}]},
    )

    assert response.status_code == 401
    assert fake_catalog.reservation_calls() == []


async def test_an_order_number_collision_draws_another_number(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Random numbers cannot collide on cue: the generator is the one thing replaced here.
    mug = fake_catalog.add_product(stock=10)
    first = (await place(client, customer, (mug, 1))).json()
    numbers = iter([first["number"], "SO-20261122-22222Z"])
    monkeypatch.setattr(placement, "new_order_number", lambda _today: next(numbers))

    second = await place(client, customer, (mug, 1))

    assert second.status_code == 201
    assert second.json()["number"] == "SO-20261122-22222Z"


async def test_a_total_beyond_what_an_order_records_is_a_422_and_gives_the_stock_back(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
) -> None:
    yacht = fake_catalog.add_product(stock=5, price="9999999999.99")

    response = await place(client, customer, (yacht, 2))

    assert response.status_code == 422
    assert response.json()["code"] == "order-total-too-large"
    assert fake_catalog.stock(yacht) == (5, 0, 0)
    assert await database_rows("SELECT id FROM orders.orders") == []
