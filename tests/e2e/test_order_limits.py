"""Orders' abuse limits and expired holds, through the gateway, with every real part running.

A customer may have so many orders awaiting confirmation and so many units held in them
(orders' settings: production's caps in the e2e shop), exactly, also when placing
concurrently. A pending order whose stock hold runs out is cancelled by the system and is no
revenue. Every test registers its own customer: the caps are per customer.
"""

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from e2e_testing.customers import RegisterCustomer
from e2e_testing.ordering import ORDERS, order_body, place_order
from e2e_testing.stack import Shop
from orders.settings import OrdersSettings
from testing_kit.waiting import eventually_sync

Json = dict[str, Any]
SYSTEM_ACTOR = ("00000000-0000-0000-0000-000000000000", "system")


@pytest.fixture
def pending_cap(orders_settings: OrdersSettings) -> int:
    return orders_settings.max_pending_orders_per_customer


@pytest.fixture
def units_cap(orders_settings: OrdersSettings) -> int:
    return orders_settings.max_held_units_per_customer


def _code(response: httpx.Response) -> tuple[int, str | None]:
    body = response.json()
    return response.status_code, body.get("code") if response.status_code >= 400 else None


def test_a_customer_has_as_many_pending_orders_as_the_cap_until_one_is_cancelled(
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    new_product: Callable[..., Json],
    stock_of: Callable[[Json], tuple[int, ...]],
    pending_cap: int,
) -> None:
    product = new_product(stock=20)
    customer = register_customer()
    placed = [place_order(gateway, customer, product, 1) for _ in range(pending_cap)]

    refused = place_order(gateway, customer, product, 1)
    cancelled = gateway.post(f"{ORDERS}/{placed[0].json()['id']}/cancel", headers=customer.headers)
    placed_again = place_order(gateway, customer, product, 1)

    assert [response.status_code for response in placed] == [201] * pending_cap
    assert _code(refused) == (409, "too-many-pending-orders")
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["limit"] == pending_cap
    assert cancelled.status_code == 200
    assert placed_again.status_code == 201, placed_again.text
    assert stock_of(product) == (20 - pending_cap, pending_cap, 0)


def test_units_beyond_the_cap_are_refused_and_touch_no_stock(
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    new_product: Callable[..., Json],
    stock_of: Callable[[Json], tuple[int, ...]],
    units_cap: int,
) -> None:
    product = new_product(stock=units_cap * 2)
    customer = register_customer()
    first = place_order(gateway, customer, product, units_cap - 1)

    refused = place_order(gateway, customer, product, 2)
    fits = place_order(gateway, customer, product, 1)

    assert first.status_code == fits.status_code == 201
    assert _code(refused) == (409, "hold-limit-exceeded")
    assert (refused.json()["limit"], refused.json()["requested"]) == (units_cap, 2)
    assert stock_of(product) == (units_cap, units_cap, 0)


async def test_concurrent_placements_at_the_cap_let_exactly_the_allowed_number_through(
    shop: Shop,
    register_customer: RegisterCustomer,
    new_product: Callable[..., Json],
    stock_of: Callable[[Json], tuple[int, ...]],
    pending_cap: int,
) -> None:
    product = new_product(stock=50)
    customer = register_customer()
    attempts = pending_cap * 3

    async with httpx.AsyncClient(base_url=shop.gateway_url, timeout=30) as client:
        responses = await asyncio.gather(
            *(
                client.post(ORDERS, json=order_body(product, 1), headers=customer.headers)
                for _ in range(attempts)
            )
        )

    outcomes = Counter(_code(response) for response in responses)
    assert outcomes == {
        (201, None): pending_cap,
        (409, "too-many-pending-orders"): attempts - pending_cap,
    }
    assert stock_of(product) == (50 - pending_cap, pending_cap, 0)


def _let_the_hold_run_out(shop: Shop, order: Json) -> None:
    """The clock: what the passing of the hold's time does to the two databases' records.

    The hold lasts RESERVATION_TTL_SECONDS (minutes, so that the other suites' pending orders
    stay pending); here its end is moved to the past, in catalog's reservation and in the
    order, as the time passing would. Catalog's sweeper and orders' hold-expiry sweep, in
    the real images, do the rest.
    """
    order_id = uuid.UUID(order["id"])  # a UUID, so it is safe inside the SQL text
    ended = "now() - interval '1 second'"
    statements = (
        f"UPDATE catalog.reservations SET expires_at = {ended} WHERE key = 'order-{order_id}';"  # noqa: S608
        f" UPDATE orders.orders SET reservation_expires_at = {ended} WHERE id = '{order_id}';"
    )
    postgres = shop.container("postgres")
    exit_code, output = postgres.exec_run(
        ["psql", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", "shop", "-c", statements]
    )
    assert exit_code == 0, output.decode(errors="replace")
    assert output.decode().count("UPDATE 1") == 2, output.decode()


def test_an_order_whose_hold_ran_out_is_cancelled_by_the_system_and_is_no_revenue(
    shop: Shop,
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    admin_headers: dict[str, str],
    new_product: Callable[..., Json],
    stock_of: Callable[[Json], tuple[int, ...]],
    pending_cap: int,
    units_cap: int,
) -> None:
    kept_product = new_product(stock=units_cap)
    lapsing_product = new_product(stock=10, price="30.00")
    since = datetime.now(UTC).isoformat()
    customer = register_customer()
    kept = place_order(gateway, customer, kept_product, 1).json()
    lapsing = place_order(gateway, customer, lapsing_product, pending_cap).json()
    assert stock_of(lapsing_product) == (10 - pending_cap, pending_cap, 0)

    _let_the_hold_run_out(shop, lapsing)

    def status() -> str:
        order = gateway.get(f"{ORDERS}/{lapsing['id']}", headers=customer.headers).json()
        return str(order["status"])

    assert eventually_sync(lambda: status() == "cancelled", within_seconds=15)
    history = gateway.get(f"{ORDERS}/{lapsing['id']}", headers=customer.headers).json()["history"]
    last = history[-1]
    assert (last["from_status"], last["to_status"]) == ("pending", "cancelled")
    assert (last["actor_id"], last["actor_role"]) == SYSTEM_ACTOR
    assert stock_of(lapsing_product) == (10, 0, 0)
    # Only our two orders were placed in this window (the suites run one test at a time).
    until = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    stats = gateway.get(
        "/api/orders/admin/stats",
        params={"created_from": since, "created_before": until},
        headers=admin_headers,
    ).json()
    assert stats["revenue"] == kept["total"] == "12.50"
    assert stats["orders_by_status"]["cancelled"] == 1
    # Its share of the customer's caps is free again: 1 + (units_cap - 1) units held.
    assert place_order(gateway, customer, kept_product, units_cap - 1).status_code == 201


def test_the_caps_hold_for_each_customer_apart(
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    new_product: Callable[..., Json],
    pending_cap: int,
) -> None:
    product = new_product(stock=20)
    busy, other = register_customer(), register_customer()
    for _ in range(pending_cap):
        assert place_order(gateway, busy, product, 1).status_code == 201

    assert _code(place_order(gateway, busy, product, 1)) == (409, "too-many-pending-orders")
    assert place_order(gateway, other, product, 1).status_code == 201
