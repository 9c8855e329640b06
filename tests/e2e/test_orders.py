"""Orders through the gateway, with every real part running: the saga end to end.

Stock is checked with catalog's admin stock endpoint: for every product at every moment,
initial stock = available + held + committed (conservation), and units sold never exceed it.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from e2e_testing.customers import Customer, RegisterCustomer
from e2e_testing.ordering import ORDERS, place_order
from e2e_testing.stack import Shop
from orders.settings import OrdersSettings
from testing_kit.waiting import eventually_sync

Json = dict[str, Any]


def _move(gateway: httpx.Client, headers: dict[str, str], order: Json, action: str) -> Json:
    response = gateway.post(f"{ORDERS}/{order['id']}/{action}", headers=headers)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def test_the_journey_from_browsing_to_delivery(
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    admin_headers: dict[str, str],
    new_product: Callable[..., Json],
    stock_of: Callable[[Json], tuple[int, ...]],
) -> None:
    product = new_product(stock=10, price="12.50")
    customer = register_customer()

    shelf = gateway.get("/api/catalog/products", params={"category": product["category_slug"]})
    assert [item["id"] for item in shelf.json()["items"]] == [product["id"]]
    assert gateway.get(f"/api/catalog/products/{product['id']}").json()["stock"] == 10

    changed_mind = place_order(gateway, customer, product, 2)
    assert changed_mind.status_code == 201, changed_mind.text
    assert changed_mind.json()["total"] == "25.00"
    assert stock_of(product) == (8, 2, 0)

    assert _move(gateway, customer.headers, changed_mind.json(), "cancel")["status"] == "cancelled"
    assert stock_of(product) == (10, 0, 0)

    kept = place_order(gateway, customer, product, 3).json()
    assert (kept["lines"][0]["sku"], kept["lines"][0]["unit_price"]) == (product["sku"], "12.50")
    assert stock_of(product) == (7, 3, 0)
    for action, status in [("confirm", "confirmed"), ("ship", "shipped"), ("deliver", "delivered")]:
        assert _move(gateway, admin_headers, kept, action)["status"] == status
    assert stock_of(product) == (7, 0, 3)

    history = gateway.get(f"{ORDERS}/{kept['id']}", headers=customer.headers).json()["history"]
    assert [(step["from_status"], step["to_status"], step["actor_role"]) for step in history] == [
        (None, "pending", "customer"),
        ("pending", "confirmed", "admin"),
        ("confirmed", "shipped", "admin"),
        ("shipped", "delivered", "admin"),
    ]
    assert history[0]["actor_id"] == customer.id
    mine = gateway.get(ORDERS, headers=customer.headers).json()
    assert [(order["id"], order["status"]) for order in mine["items"]] == [
        (kept["id"], "delivered"),
        (changed_mind.json()["id"], "cancelled"),
    ]


def test_another_customer_can_neither_see_nor_cancel_an_order(
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    new_product: Callable[..., Json],
    stock_of: Callable[[Json], tuple[int, ...]],
) -> None:
    product = new_product(stock=5)
    alice, bob = register_customer(), register_customer()
    order = place_order(gateway, alice, product, 1).json()

    seen = gateway.get(f"{ORDERS}/{order['id']}", headers=bob.headers)
    cancelled = gateway.post(f"{ORDERS}/{order['id']}/cancel", headers=bob.headers)

    assert seen.status_code == cancelled.status_code == 404
    assert gateway.get(ORDERS, headers=bob.headers).json()["items"] == []
    assert gateway.get(f"{ORDERS}/{order['id']}", headers=alice.headers).json()["status"] == (
        "pending"
    )
    assert stock_of(product) == (4, 1, 0)


async def test_concurrent_customers_never_oversell(
    shop: Shop,
    register_customer: RegisterCustomer,
    new_product: Callable[..., Json],
    stock_of: Callable[[Json], tuple[int, ...]],
) -> None:
    stock = 10
    product = new_product(stock=stock)
    customers = [register_customer() for _ in range(50)]
    body = {"lines": [{"product_id": product["id"], "quantity": 1}]}

    async def buy(client: httpx.AsyncClient, customer: Customer, key: str | None) -> Any:
        headers = dict(customer.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        response = await client.post(ORDERS, json=body, headers=headers)
        return customer.id, response.status_code, response.json()

    # Every third customer is impatient: the same request three times at once, same key.
    attempts = []
    for number, customer in enumerate(customers):
        repeats, key = (3, f"buy-{number}") if number % 3 == 0 else (1, None)
        attempts += [(customer, key)] * repeats
    async with httpx.AsyncClient(base_url=shop.gateway_url, timeout=30) as client:
        results = await asyncio.gather(*(buy(client, c, key) for c, key in attempts))

    assert {status for _, status, _ in results} <= {201, 409}, Counter(s for _, s, _ in results)
    refusals = {problem["code"] for _, status, problem in results if status == 409}
    assert refusals <= {"insufficient-stock", "order-placement-in-progress"}
    orders_by_customer: dict[str, set[str]] = {}
    for customer_id, status, order in results:
        if status == 201:
            orders_by_customer.setdefault(customer_id, set()).add(order["id"])
    assert all(len(orders) == 1 for orders in orders_by_customer.values())  # retries replayed
    assert len(orders_by_customer) == stock  # exactly the stock was sold, to 10 customers
    available, held, committed = stock_of(product)
    assert (available, held + committed) == (0, stock)
    assert available + held + committed == stock


def test_catalog_down_is_a_quick_503_and_nothing_is_lost(
    shop: Shop,
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    new_product: Callable[..., Json],
    stock_of: Callable[[Json], tuple[int, ...]],
    orders_settings: OrdersSettings,
) -> None:
    # A placement ends at orders' catalog call deadline at the latest (retries included).
    catalog_down_bound_seconds = orders_settings.catalog_call_deadline_seconds + 2
    product = new_product(stock=5)
    customer = register_customer()
    pending = place_order(gateway, customer, product, 2).json()
    order_url = f"{ORDERS}/{pending['id']}"

    for replica in shop.replicas("catalog"):  # every replica: catalog as a whole is down
        replica.stop()
    try:
        started = time.monotonic()
        refused = place_order(gateway, customer, product, 1, idempotency_key="while-down")
        elapsed = time.monotonic() - started
        cancel_refused = gateway.post(f"{order_url}/cancel", headers=customer.headers)
    finally:
        _restart_catalog(shop, gateway)  # later tests need a healthy catalog

    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == "catalog-unavailable"
    assert elapsed < catalog_down_bound_seconds
    assert cancel_refused.status_code == 503
    assert gateway.get(order_url, headers=customer.headers).json()["status"] == "pending"
    # Nothing lost or stuck: the pending order still holds its units, the failed attempt holds
    # none, and once the reconciler has resolved it the same key places an order afresh.
    assert stock_of(product) == (3, 2, 0)

    def placed_again() -> bool:
        retry = place_order(gateway, customer, product, 1, idempotency_key="while-down")
        return retry.status_code == 201

    assert eventually_sync(placed_again, within_seconds=60)
    assert stock_of(product) == (2, 3, 0)
    statuses = [
        order["status"] for order in gateway.get(ORDERS, headers=customer.headers).json()["items"]
    ]
    assert statuses == ["pending", "pending"]


def _restart_catalog(shop: Shop, gateway: httpx.Client) -> None:
    """Start every catalog replica again and wait until the gateway and orders both reach it."""
    replicas = shop.replicas("catalog")
    for replica in replicas:
        replica.start()

    def healthy() -> bool:
        for replica in replicas:
            replica.reload()
            if replica.attrs["State"].get("Health", {}).get("Status") != "healthy":
                return False
        through_gateway = gateway.get("/api/catalog/readyz")
        from_orders = gateway.get("/api/orders/readyz")
        return through_gateway.status_code == 200 and from_orders.json().get("dependencies") == {
            "catalog": "ok"
        }

    assert eventually_sync(healthy, within_seconds=90), "catalog did not come back"
