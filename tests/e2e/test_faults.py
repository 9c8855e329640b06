"""The fault campaign: orders placed through the gateway while a part of the shop restarts.

For each fault (a PgBouncer, Postgres, catalog), a bounded campaign: CLIENTS customers each
place KEYS_PER_CLIENT orders, each with its own Idempotency-Key and retried with that key
(as a client honouring Retry-After would) while the answer is 503 or 429; every other order
is cancelled again at once. Once the clients are under way, the part restarts: every replica
of it at once, so that the part as a whole is away. Then:
- only 201, 409, 503 and 429 ever came back from a placement, 200, 409 and 503 from a cancel;
- once it is back, a fresh order succeeds within RECOVERY_BOUND_SECONDS;
- every key stands for exactly one order (replaying each key gives the order it gave before,
  or the one that a lost answer created) and the customers have no other orders;
- after the reconciler and catalog's sweeper have done their work: for every product, the
  initial stock equals available + held + committed, and the units of the live orders equal
  held + committed.
docs/failure-modes.md reports what each fault costs, measured with this campaign.
"""

import asyncio
import logging
import random
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from docker.models.containers import Container

from e2e_testing.customers import Customer, RegisterCustomer
from e2e_testing.ordering import ORDERS
from e2e_testing.stack import Shop
from testing_kit.waiting import eventually, eventually_sync

logger = logging.getLogger(__name__)

Json = dict[str, Any]
CLIENTS = 8
KEYS_PER_CLIENT = 10
PRODUCTS = 3
STOCK = 10_000
# A client retries one key at most this often, this far apart: bounded in count and time.
RETRIES_PER_KEY = 60
RETRY_PAUSE_SECONDS = 0.25
# The fault lands once every client is under way (this many orders placed), within a bound.
PLACED_BEFORE_THE_FAULT = CLIENTS
RECOVERY_BOUND_SECONDS = 30.0
# The reconciler resolves unknown placements after its minimum age (compose.e2e.yml: 11 s).
SETTLE_WITHIN_SECONDS = 90.0
REQUEST_TIMEOUT_SECONDS = 30.0

PLACEMENT_STATUSES = {201, 409, 429, 503}
CANCEL_STATUSES = {200, 409, 429, 503}
RETRYABLE = {429, 503}


@dataclass
class Campaign:
    placements: Counter[int] = field(default_factory=Counter)
    cancels: Counter[int] = field(default_factory=Counter)
    orders_by_key: dict[str, str] = field(default_factory=dict)
    keys: dict[str, tuple[Customer, Json]] = field(default_factory=dict)
    refusals: Counter[str] = field(default_factory=Counter)
    # When the clients were refused for the fault (503 or 429): first and last time, monotonic.
    first_refused: float | None = None
    last_refused: float | None = None

    def record(self, counter: Counter[int], status: int) -> None:
        counter[status] += 1
        if status in RETRYABLE:
            self.last_refused = time.monotonic()
            if self.first_refused is None:
                self.first_refused = self.last_refused

    def refused_for_seconds(self) -> float:
        if self.first_refused is None or self.last_refused is None:
            return 0.0
        return self.last_refused - self.first_refused


async def _place_until_answered(
    client: httpx.AsyncClient, customer: Customer, key: str, body: Json, campaign: Campaign
) -> httpx.Response | None:
    headers = {**customer.headers, "Idempotency-Key": key}
    for _ in range(RETRIES_PER_KEY):
        response = await client.post(ORDERS, json=body, headers=headers)
        campaign.record(campaign.placements, response.status_code)
        if response.status_code not in RETRYABLE:
            return response
        await asyncio.sleep(RETRY_PAUSE_SECONDS)
    return None


async def _cancel_until_answered(
    client: httpx.AsyncClient, customer: Customer, order_id: str, campaign: Campaign
) -> None:
    for _ in range(RETRIES_PER_KEY):
        response = await client.post(f"{ORDERS}/{order_id}/cancel", headers=customer.headers)
        campaign.record(campaign.cancels, response.status_code)
        if response.status_code not in RETRYABLE:
            return
        await asyncio.sleep(RETRY_PAUSE_SECONDS)


async def _customer_load(
    client: httpx.AsyncClient,
    customer: Customer,
    products: list[Json],
    campaign: Campaign,
    name: str,
) -> None:
    chooser = random.Random(name)  # the lines a customer picks, repeatable per name
    for number in range(KEYS_PER_CLIENT):
        key = f"{name}-{number}-{secrets.token_hex(4)}"
        body = {
            "lines": [
                {"product_id": product["id"], "quantity": chooser.randint(1, 3)}
                for product in chooser.sample(products, chooser.randint(1, len(products)))
            ]
        }
        campaign.keys[key] = (customer, body)
        response = await _place_until_answered(client, customer, key, body, campaign)
        if response is None:
            continue
        if response.status_code == 201:
            order_id = response.json()["id"]
            campaign.orders_by_key[key] = order_id
            if number % 2 == 0:  # so a customer stays within the cap of pending orders
                await _cancel_until_answered(client, customer, order_id, campaign)
        else:
            campaign.refusals[response.json().get("code", "?")] += 1


def _wait_until_healthy(container: Container) -> None:
    def healthy() -> bool:
        container.reload()
        return bool(container.attrs["State"]["Health"]["Status"] == "healthy")

    assert eventually_sync(healthy, within_seconds=90), f"{container.name} did not come back"


async def _fresh_order_within_bound(
    client: httpx.AsyncClient, customer: Customer, product: Json
) -> float:
    """Seconds until a new order is placed (asserted within the bound)."""
    started = time.monotonic()
    body = {"lines": [{"product_id": product["id"], "quantity": 1}]}

    async def placed() -> bool:
        response = await client.post(ORDERS, json=body, headers=customer.headers)
        return response.status_code == 201

    assert await eventually(placed, within_seconds=RECOVERY_BOUND_SECONDS)
    return time.monotonic() - started


async def _replay_every_key(client: httpx.AsyncClient, campaign: Campaign) -> dict[str, str]:
    """Each key's one order, from replaying it now that everything is back."""
    resolved: dict[str, str] = {}
    for key, (customer, body) in campaign.keys.items():
        headers = {**customer.headers, "Idempotency-Key": key}

        async def replayed(
            key: str = key, headers: dict[str, str] = headers, body: Json = body
        ) -> bool:
            response = await client.post(ORDERS, json=body, headers=headers)
            if response.status_code == 201:
                resolved[key] = response.json()["id"]
                return True
            # An unknown outcome is resolved by the reconciler first; any other refusal (stock,
            # a limit) is final and made no order.
            assert response.status_code in {409, 503}, response.text
            return bool(response.json()["code"] != "order-placement-in-progress")

        assert await eventually(replayed, within_seconds=SETTLE_WITHIN_SECONDS), key
    return resolved


def _orders_of(gateway: httpx.Client, customer: Customer) -> list[Json]:
    response = gateway.get(ORDERS, params={"limit": 100}, headers=customer.headers)
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


def _stock_is_conserved(
    gateway: httpx.Client,
    admin_headers: dict[str, str],
    products: list[Json],
    customers: list[Customer],
) -> bool:
    live_units: Counter[str] = Counter()
    for customer in customers:
        for summary in _orders_of(gateway, customer):
            if summary["status"] == "cancelled":
                continue
            order = gateway.get(f"{ORDERS}/{summary['id']}", headers=customer.headers).json()
            for line in order["lines"]:
                live_units[line["product_id"]] += line["quantity"]
    for product in products:
        stock = gateway.get(f"/api/catalog/products/{product['id']}/stock", headers=admin_headers)
        levels = stock.json()
        if levels["available"] + levels["held"] + levels["committed"] != STOCK:
            return False
        if levels["held"] + levels["committed"] != live_units[product["id"]]:
            return False
    return True


FAULTS = ["pgbouncer-orders", "pgbouncer-catalog", "postgres", "catalog"]


@pytest.mark.parametrize("fault", FAULTS)
async def test_orders_survive_a_restart(
    fault: str,
    shop: Shop,
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    admin_headers: dict[str, str],
    new_product: Callable[..., Json],
) -> None:
    products = [new_product(stock=STOCK) for _ in range(PRODUCTS)]
    customers = [register_customer() for _ in range(CLIENTS)]
    # Places the one order that measures recovery: a customer of its own, within the caps.
    newcomer = register_customer()
    campaign = Campaign()
    containers = shop.replicas(fault)

    async with httpx.AsyncClient(
        base_url=shop.gateway_url, timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:

        async def restart() -> float:
            async def under_way() -> bool:
                return campaign.placements[201] >= PLACED_BEFORE_THE_FAULT

            assert await eventually(under_way, within_seconds=REQUEST_TIMEOUT_SECONDS)
            started = time.monotonic()
            await asyncio.gather(
                *(asyncio.to_thread(container.restart, timeout=10) for container in containers)
            )
            await asyncio.gather(
                *(asyncio.to_thread(_wait_until_healthy, container) for container in containers)
            )
            return time.monotonic() - started

        load = [
            _customer_load(client, customer, products, campaign, f"{fault}-{number}")
            for number, customer in enumerate(customers)
        ]
        restarting = asyncio.create_task(restart())
        await asyncio.gather(*load)
        restart_seconds = await restarting
        recovery_seconds = await _fresh_order_within_bound(client, newcomer, products[0])
        resolved = await _replay_every_key(client, campaign)

    logger.info(
        "fault campaign",
        extra={
            "fault": fault,
            "placements": dict(campaign.placements),
            "cancels": dict(campaign.cancels),
            "refusals": dict(campaign.refusals),
            "restart_seconds": round(restart_seconds, 2),
            "refused_for_seconds": round(campaign.refused_for_seconds(), 2),
            "first_order_after_recovery_seconds": round(recovery_seconds, 2),
        },
    )
    assert set(campaign.placements) <= PLACEMENT_STATUSES, campaign.placements
    assert set(campaign.cancels) <= CANCEL_STATUSES, campaign.cancels
    assert campaign.placements[201] > 0
    # A key answered once keeps its order; a key whose answer was lost has one order or none.
    for key, order_id in campaign.orders_by_key.items():
        assert resolved.get(key) == order_id, key
    orders_of_customers = {o["id"] for c in customers for o in _orders_of(gateway, c)}
    assert orders_of_customers == set(resolved.values())  # nothing unaccounted for
    assert len(_orders_of(gateway, newcomer)) == 1
    assert eventually_sync(
        lambda: _stock_is_conserved(gateway, admin_headers, products, [*customers, newcomer]),
        within_seconds=SETTLE_WITHIN_SECONDS,
        interval_seconds=2,
    )
