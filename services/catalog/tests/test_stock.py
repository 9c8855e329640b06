"""Stock levels, restocks and adjustments; the ledger adds up to what is on the shelves."""

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from catalog_testing.stock import stock_of

Json = dict[str, Any]
CreateCategory = Callable[..., Awaitable[Json]]
CreateProduct = Callable[..., Awaitable[Json]]
UNKNOWN = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.fixture
async def mug(create_category: CreateCategory, create_product: CreateProduct) -> Json:
    return await create_product(await create_category("Mugs"), stock=10)


async def hold(
    client: httpx.AsyncClient, orders: dict[str, str], product: Json, units: int
) -> None:
    response = await client.post(
        "/internal/reservations",
        json={"key": f"hold-{units}", "lines": [{"product_id": product["id"], "quantity": units}]},
        headers=orders,
    )
    assert response.status_code == 201, response.text


async def ledger_total(db: asyncpg.Connection, product: Json) -> int:
    total = await db.fetchval(
        "SELECT coalesce(sum(quantity), 0) FROM catalog.stock_movements WHERE product_id = $1",
        product["id"],
    )
    return int(total)


async def test_a_new_product_has_all_its_stock_available(
    client: httpx.AsyncClient, admin: dict[str, str], mug: Json
) -> None:
    assert await stock_of(client, admin, mug) == {
        "product_id": mug["id"],
        "available": 10,
        "held": 0,
        "committed": 0,
    }


async def test_a_restock_adds_available_units_and_is_recorded(
    client: httpx.AsyncClient, admin: dict[str, str], mug: Json, db: asyncpg.Connection
) -> None:
    response = await client.post(
        f"/api/catalog/products/{mug['id']}/stock/restocks",
        json={"quantity": 5, "reason": "delivery 42"},
        headers=admin,
    )

    assert response.status_code == 200
    assert response.json()["available"] == 15
    assert await ledger_total(db, mug) == 15
    assert (await client.get(f"/api/catalog/products/{mug['id']}")).json()["stock"] == 15


async def test_an_adjustment_corrects_available_stock_with_a_reason(
    client: httpx.AsyncClient, admin: dict[str, str], mug: Json, db: asyncpg.Connection
) -> None:
    response = await client.post(
        f"/api/catalog/products/{mug['id']}/stock/adjustments",
        json={"delta": -4, "reason": "stocktake"},
        headers=admin,
    )

    assert response.status_code == 200
    assert response.json()["available"] == 6
    row = await db.fetchrow(
        "SELECT kind, quantity, reason, recorded_by FROM catalog.stock_movements"
        " WHERE product_id = $1 AND kind = 'adjustment'",
        mug["id"],
    )
    assert (row["quantity"], row["reason"]) == (-4, "stocktake")
    assert row["recorded_by"] is not None


async def test_an_adjustment_cannot_take_away_held_units(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    orders: dict[str, str],
    mug: Json,
    db: asyncpg.Connection,
) -> None:
    await hold(client, orders, mug, 7)

    response = await client.post(
        f"/api/catalog/products/{mug['id']}/stock/adjustments",
        json={"delta": -4, "reason": "broken"},
        headers=admin,
    )

    assert response.status_code == 409
    assert response.json()["code"] == "stock-below-held"
    assert (response.json()["available"], response.json()["held"]) == (3, 7)
    assert await stock_of(client, admin, mug) == {
        "product_id": mug["id"],
        "available": 3,
        "held": 7,
        "committed": 0,
    }
    assert await ledger_total(db, mug) == 10


async def test_an_adjustment_may_take_every_available_unit(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json
) -> None:
    await hold(client, orders, mug, 7)

    response = await client.post(
        f"/api/catalog/products/{mug['id']}/stock/adjustments",
        json={"delta": -3, "reason": "broken"},
        headers=admin,
    )

    assert response.status_code == 200
    assert (response.json()["available"], response.json()["held"]) == (0, 7)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("restocks", {"quantity": 0}),
        ("restocks", {"quantity": 1_000_001}),
        ("adjustments", {"delta": 0, "reason": "nothing"}),
        ("adjustments", {"delta": 2}),
        ("adjustments", {"delta": 2, "reason": " "}),
    ],
)
async def test_invalid_stock_changes_are_refused(
    client: httpx.AsyncClient, admin: dict[str, str], mug: Json, path: str, body: Json
) -> None:
    response = await client.post(
        f"/api/catalog/products/{mug['id']}/stock/{path}", json=body, headers=admin
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "stock", None),
        ("POST", "stock/restocks", {"quantity": 1}),
        ("POST", "stock/adjustments", {"delta": 1, "reason": "found one"}),
    ],
)
async def test_stock_of_an_unknown_product_is_a_404(
    client: httpx.AsyncClient, admin: dict[str, str], method: str, path: str, body: Json | None
) -> None:
    response = await client.request(
        method, f"/api/catalog/products/{UNKNOWN}/{path}", json=body, headers=admin
    )

    assert response.status_code == 404
    assert response.json()["code"] == "product-not-found"


async def test_an_inactive_product_still_reports_and_takes_stock(
    client: httpx.AsyncClient, admin: dict[str, str], mug: Json
) -> None:
    await client.delete(f"/api/catalog/products/{mug['id']}", headers=admin)

    restocked = await client.post(
        f"/api/catalog/products/{mug['id']}/stock/restocks", json={"quantity": 1}, headers=admin
    )

    assert restocked.status_code == 200
    assert (await stock_of(client, admin, mug))["available"] == 11
