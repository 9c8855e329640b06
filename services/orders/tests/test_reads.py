"""Reading orders: customers see their own, admins see all; placements in flight nobody sees."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from orders_testing.fake_catalog import FakeCatalog, Fault
from orders_testing.placing import Actor, place


async def _orders(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, owner: Actor, count: int
) -> list[Any]:
    mug = fake_catalog.add_product(stock=100, price="10.00")
    return [(await place(client, owner, (mug, 1))).json() for _ in range(count)]


async def _abandoned_placement(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, owner: Actor, database_rows: Any
) -> str:
    fake_catalog.faults.append(Fault("timeout", times=100))
    response = await place(client, owner, (fake_catalog.add_product(), 1))
    assert response.status_code == 503
    fake_catalog.faults.clear()
    (row,) = await database_rows("SELECT id FROM orders.orders WHERE status = 'placing'")
    return str(row["id"])


async def test_a_customer_lists_their_own_orders_newest_first(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    new_customer: Callable[[], Actor],
) -> None:
    mine = await _orders(client, fake_catalog, customer, 3)
    await _orders(client, fake_catalog, new_customer(), 2)

    page = (await client.get("/api/orders/orders", headers=customer.headers)).json()

    assert [order["id"] for order in page["items"]] == [order["id"] for order in reversed(mine)]
    assert page["total"] == 3
    assert page["items"][0]["number"] == mine[-1]["number"]
    assert page["items"][0]["total"] == "10.00"


async def test_pages_are_bounded_and_do_not_overlap(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    placed = await _orders(client, fake_catalog, customer, 5)

    pages = [
        (
            await client.get(
                "/api/orders/orders",
                params={"limit": 2, "offset": offset},
                headers=customer.headers,
            )
        ).json()
        for offset in (0, 2, 4)
    ]

    seen = [order["id"] for page in pages for order in page["items"]]
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert sorted(seen) == sorted(order["id"] for order in placed)
    assert all(page["total"] == 5 and page["limit"] == 2 for page in pages)


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"offset": 10**19}]
)
async def test_page_bounds_are_enforced(
    client: httpx.AsyncClient, customer: Actor, params: dict[str, int]
) -> None:
    response = await client.get("/api/orders/orders", params=params, headers=customer.headers)

    assert response.status_code == 422


async def test_a_customer_filters_their_orders_by_status(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    first, _ = await _orders(client, fake_catalog, customer, 2)
    await client.post(f"/api/orders/orders/{first['id']}/cancel", headers=customer.headers)

    cancelled = await client.get(
        "/api/orders/orders", params={"status": "cancelled"}, headers=customer.headers
    )
    placing = await client.get(
        "/api/orders/orders", params={"status": "placing"}, headers=customer.headers
    )

    assert [order["id"] for order in cancelled.json()["items"]] == [first["id"]]
    assert placing.status_code == 422


async def test_a_customer_reads_their_order_with_lines_and_history(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    (order,) = await _orders(client, fake_catalog, customer, 1)

    response = await client.get(f"/api/orders/orders/{order['id']}", headers=customer.headers)

    assert response.status_code == 200
    assert response.json() == order


async def test_another_customers_order_does_not_exist_for_them(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    new_customer: Callable[[], Actor],
) -> None:
    (order,) = await _orders(client, fake_catalog, customer, 1)

    theirs = await client.get(f"/api/orders/orders/{order['id']}", headers=new_customer().headers)
    unknown = await client.get(f"/api/orders/orders/{uuid.uuid4()}", headers=customer.headers)

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["code"] == unknown.json()["code"] == "order-not-found"


async def test_reading_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/orders/orders")).status_code == 401


async def test_an_admin_reads_any_order(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, admin: Actor
) -> None:
    (order,) = await _orders(client, fake_catalog, customer, 1)

    response = await client.get(f"/api/orders/orders/{order['id']}", headers=admin.headers)

    assert response.status_code == 200
    assert response.json()["customer_id"] == str(customer.user_id)


async def test_an_admin_lists_everyones_orders_and_filters_by_customer_and_status(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    admin: Actor,
    new_customer: Callable[[], Actor],
) -> None:
    alice, bob = new_customer(), new_customer()
    alices = await _orders(client, fake_catalog, alice, 2)
    await _orders(client, fake_catalog, bob, 1)
    await client.post(f"/api/orders/orders/{alices[0]['id']}/confirm", headers=admin.headers)

    everyone = await client.get("/api/orders/admin/orders", headers=admin.headers)
    alices_pending = await client.get(
        "/api/orders/admin/orders",
        params={"customer_id": str(alice.user_id), "status": "pending"},
        headers=admin.headers,
    )

    assert everyone.json()["total"] == 3
    assert [order["id"] for order in alices_pending.json()["items"]] == [alices[1]["id"]]


async def test_an_admin_filters_by_creation_date(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
) -> None:
    old, new = await _orders(client, fake_catalog, customer, 2)
    await database_rows(
        "UPDATE orders.orders SET created_at = '2026-01-15T12:00:00Z' WHERE id = $1",
        uuid.UUID(old["id"]),
    )

    january = await client.get(
        "/api/orders/admin/orders",
        params={"created_from": "2026-01-01T00:00:00Z", "created_before": "2026-02-01T00:00:00Z"},
        headers=admin.headers,
    )
    since_february = await client.get(
        "/api/orders/admin/orders",
        params={"created_from": "2026-02-01T00:00:00+00:00"},
        headers=admin.headers,
    )

    assert [order["id"] for order in january.json()["items"]] == [old["id"]]
    assert [order["id"] for order in since_february.json()["items"]] == [new["id"]]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"created_from": "2026-02-01T00:00:00"}, "validation-error"),
        (
            {"created_from": "2026-02-01T00:00:00Z", "created_before": "2026-01-01T00:00:00Z"},
            "invalid-date-range",
        ),
    ],
    ids=["without-time-zone", "empty-range"],
)
async def test_a_bad_date_range_is_a_422(
    client: httpx.AsyncClient, admin: Actor, params: dict[str, str], code: str
) -> None:
    response = await client.get("/api/orders/admin/orders", params=params, headers=admin.headers)

    assert response.status_code == 422
    assert response.json()["code"] == code


@pytest.mark.parametrize("path", ["/api/orders/admin/orders", "/api/orders/admin/stats"])
async def test_admin_reads_are_forbidden_to_customers(
    client: httpx.AsyncClient, customer: Actor, path: str
) -> None:
    assert (await client.get(path, headers=customer.headers)).status_code == 403


async def test_stats_count_by_status_and_leave_cancelled_orders_out_of_revenue(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
) -> None:
    mug = fake_catalog.add_product(stock=100, price="10.00")
    lamp = fake_catalog.add_product(stock=100, price="33.33")
    small = (await place(client, customer, (mug, 1))).json()
    await place(client, customer, (lamp, 1))
    await place(client, customer, (mug, 2))
    cancelled = (await place(client, customer, (lamp, 3))).json()
    await client.post(f"/api/orders/orders/{small['id']}/confirm", headers=admin.headers)
    await client.post(f"/api/orders/orders/{cancelled['id']}/cancel", headers=admin.headers)

    stats = (await client.get("/api/orders/admin/stats", headers=admin.headers)).json()

    assert stats == {
        "order_count": 4,
        "orders_by_status": {
            "pending": 2,
            "confirmed": 1,
            "shipped": 0,
            "delivered": 0,
            "cancelled": 1,
        },
        "revenue": "63.33",  # 10.00 + 33.33 + 20.00
        "average_order_value": "21.11",  # 63.33 / 3
    }


async def test_stats_of_no_orders_are_zero(client: httpx.AsyncClient, admin: Actor) -> None:
    stats = (await client.get("/api/orders/admin/stats", headers=admin.headers)).json()

    assert stats["order_count"] == 0
    assert stats["revenue"] == stats["average_order_value"] == "0.00"


async def test_a_placement_in_flight_is_invisible_everywhere(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
) -> None:
    placing_id = await _abandoned_placement(client, fake_catalog, customer, database_rows)

    own = await client.get("/api/orders/orders", headers=customer.headers)
    read = await client.get(f"/api/orders/orders/{placing_id}", headers=admin.headers)
    everyone = await client.get("/api/orders/admin/orders", headers=admin.headers)
    cancel = await client.post(f"/api/orders/orders/{placing_id}/cancel", headers=admin.headers)
    stats = await client.get("/api/orders/admin/stats", headers=admin.headers)

    assert own.json()["total"] == everyone.json()["total"] == 0
    assert read.status_code == cancel.status_code == 404
    assert stats.json()["order_count"] == 0
