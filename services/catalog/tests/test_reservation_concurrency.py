"""Many reservations at once against limited stock, through the real app and PgBouncer.

The in-process client serializes nothing: every request runs concurrently on the event loop
with its own database connection, so these are real races on the same rows. Whatever the
interleaving: no product goes below zero, what was reserved is exactly what left available
stock, and for every product initial = available + held + committed.
"""

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx

from catalog_testing import DEADLINE_SECONDS
from catalog_testing.stock import make_overdue, stock_of
from testing_kit.waiting import eventually

Json = dict[str, Any]
CreateCategory = Callable[..., Awaitable[Json]]
CreateProduct = Callable[..., Awaitable[Json]]

INITIAL_STOCK = [20, 15, 30, 10, 25, 12]
# Enough that most order flows get their reservation, and releases matter to others.
MIXED_STOCK = [units * 4 for units in INITIAL_STOCK]


async def make_products(
    create_category: CreateCategory, create_product: CreateProduct
) -> list[Json]:
    category = await create_category("Limited")
    return [await create_product(category, stock=units) for units in INITIAL_STOCK]


def random_lines(rng: random.Random, products: list[Json]) -> list[Json]:
    """Two to four different products in random order, one to three units each."""
    chosen = rng.sample(products, rng.randint(2, 4))
    return [{"product_id": product["id"], "quantity": rng.randint(1, 3)} for product in chosen]


async def assert_conservation(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Connection,
    products: list[Json],
    initial_stock: list[int],
) -> list[Json]:
    """initial = available + held + committed for every product, also by the ledger."""
    levels = [await stock_of(client, admin, product) for product in products]
    for initial, level in zip(initial_stock, levels, strict=True):
        assert min(level["available"], level["held"], level["committed"]) >= 0
        assert level["available"] + level["held"] + level["committed"] == initial
        ledger = await db.fetchval(
            "SELECT sum(quantity) FROM catalog.stock_movements WHERE product_id = $1",
            level["product_id"],
        )
        assert ledger == initial
    return levels


async def units_by_status(db: asyncpg.Connection) -> dict[tuple[str, str], int]:
    """(product id, reservation status) -> units, as the reservations record them."""
    rows = await db.fetch(
        "SELECT l.product_id::text AS product_id, r.status, sum(l.quantity) AS units"
        " FROM catalog.reservation_lines l JOIN catalog.reservations r ON r.id = l.reservation_id"
        " GROUP BY 1, 2"
    )
    return {(row["product_id"], row["status"]): int(row["units"]) for row in rows}


def report(name: str, requests: int, seconds: float, statuses: Counter[int]) -> None:
    print(
        f"\n[{name}] {requests} requests in {seconds:.2f}s"
        f" = {requests / seconds:.0f} req/s; statuses {dict(sorted(statuses.items()))}"
    )


async def test_concurrent_single_unit_reservations_sell_exactly_the_stock(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    orders: dict[str, str],
    create_category: CreateCategory,
    create_product: CreateProduct,
) -> None:
    product = await create_product(await create_category("Scarce"), stock=100)

    started = time.perf_counter()
    responses = await asyncio.gather(
        *(
            client.post(
                "/internal/reservations",
                json={"key": f"one-{n}", "lines": [{"product_id": product["id"], "quantity": 1}]},
                headers=orders,
            )
            for n in range(150)
        )
    )
    elapsed = time.perf_counter() - started

    statuses = Counter(response.status_code for response in responses)
    report("150 x 1 unit, stock 100", 150, elapsed, statuses)
    assert statuses == {201: 100, 409: 50}
    assert await stock_of(client, admin, product) == {
        "product_id": product["id"],
        "available": 0,
        "held": 100,
        "committed": 0,
    }


async def test_concurrent_multi_line_reservations_never_oversell(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    orders: dict[str, str],
    db: asyncpg.Connection,
    create_category: CreateCategory,
    create_product: CreateProduct,
) -> None:
    products = await make_products(create_category, create_product)
    rng = random.Random(4)
    requests = [{"key": f"multi-{n}", "lines": random_lines(rng, products)} for n in range(150)]
    demand = sum(line["quantity"] for request in requests for line in request["lines"])
    assert demand > sum(INITIAL_STOCK)  # more is asked for than there is

    started = time.perf_counter()
    responses = await asyncio.gather(
        *(client.post("/internal/reservations", json=body, headers=orders) for body in requests)
    )
    elapsed = time.perf_counter() - started

    statuses = Counter(response.status_code for response in responses)
    report("150 x 2-4 lines, 6 products", 150, elapsed, statuses)
    assert set(statuses) == {201, 409}
    reserved: Counter[str] = Counter()
    for response in responses:
        if response.status_code == 201:
            for line in response.json()["lines"]:
                reserved[line["product_id"]] += line["quantity"]
        else:
            assert response.json()["code"] == "insufficient-stock"
            for shortage in response.json()["shortages"]:
                assert 0 <= shortage["available"] < shortage["requested"]
    levels = await assert_conservation(client, admin, db, products, INITIAL_STOCK)
    for initial, level in zip(INITIAL_STOCK, levels, strict=True):
        # Exactly the units the successful answers promised left available stock.
        assert level["held"] == reserved[level["product_id"]] == initial - level["available"]
    assert any(level["available"] == 0 for level in levels)


async def test_reserve_commit_release_and_expiry_racing_keep_every_unit(
    sweeping_client: httpx.AsyncClient,
    admin: dict[str, str],
    orders: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    client = sweeping_client
    category = (
        await client.post("/api/catalog/categories", json={"name": "Mixed"}, headers=admin)
    ).json()
    products = []
    for number, units in enumerate(MIXED_STOCK):
        response = await client.post(
            "/api/catalog/products",
            json={
                "name": f"Item {number}",
                "sku": f"MIX-{number}",
                "price": "3.50",
                "category_id": category["id"],
                "stock": units,
            },
            headers=admin,
        )
        products.append(response.json())
    rng = random.Random(7)
    statuses: Counter[int] = Counter()
    calls = 0
    expected_status: dict[str, str] = {}

    async def order_flow(number: int) -> None:
        """Reserve, then what an order does next: pay, cancel, abandon, or pay too late."""
        nonlocal calls
        key = f"mixed-{number}"
        fate = rng.choices(["commit", "release", "abandon", "late", "refund"], [4, 2, 2, 1, 1])[0]
        body = {"key": key, "lines": random_lines(rng, products)}
        moves = {
            "commit": ["commit"],
            "release": ["release"],
            "abandon": [],
            "late": ["expire", "commit"],
            "refund": ["commit", "release"],
        }[fate]
        response = await client.post("/internal/reservations", json=body, headers=orders)
        statuses[response.status_code] += 1
        calls += 1
        if response.status_code != 201:
            return
        expected_status[key] = {
            "commit": "committed",
            "release": "released",
            "abandon": "held",
            "late": "expired",
            "refund": "released",
        }[fate]
        for move in moves:
            await asyncio.sleep(rng.random() / 50)
            if move == "expire":
                await make_overdue_alone(key)
                continue
            moved = await client.post(f"/internal/reservations/{key}/{move}", headers=orders)
            statuses[moved.status_code] += 1
            calls += 1
            if fate == "late":
                assert moved.json()["code"] == "reservation-expired"

    async def make_overdue_alone(key: str) -> None:
        async with overdue_lock:
            await make_overdue(db, key)

    overdue_lock = asyncio.Lock()  # one asyncpg connection serves one query at a time
    started = time.perf_counter()
    await asyncio.gather(*(order_flow(number) for number in range(150)))
    elapsed = time.perf_counter() - started
    report("150 order flows, sweeper every 50 ms", calls, elapsed, statuses)

    async def nothing_overdue_left() -> bool:
        left = await db.fetchval(
            "SELECT count(*) FROM catalog.reservations WHERE status = 'held' AND expires_at < now()"
        )
        return bool(left == 0)

    assert await eventually(nothing_overdue_left, within_seconds=DEADLINE_SECONDS)

    assert all(status < 500 for status in statuses)
    assert statuses[201] > 0
    levels = await assert_conservation(client, admin, db, products, MIXED_STOCK)
    recorded = await units_by_status(db)
    for level in levels:
        assert level["held"] == recorded.get((level["product_id"], "held"), 0)
        assert level["committed"] == recorded.get((level["product_id"], "committed"), 0)
    final = await db.fetch("SELECT key, status FROM catalog.reservations")
    assert {row["key"]: row["status"] for row in final} == expected_status
