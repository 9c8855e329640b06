"""Admin reports: low stock and per-category price statistics."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

Json = dict[str, Any]
CreateCategory = Callable[..., Awaitable[Json]]
CreateProduct = Callable[..., Awaitable[Json]]


async def test_low_stock_lists_scarce_active_products_scarcest_first_in_pages(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    create_category: CreateCategory,
    create_product: CreateProduct,
) -> None:
    mugs = await create_category("Mugs")
    for units, name in [(3, "c"), (0, "a"), (50, "plenty"), (1, "b"), (5, "d")]:
        await create_product(mugs, name=name, stock=units)
    gone = await create_product(mugs, name="gone", stock=0)
    await client.delete(f"/api/catalog/products/{gone['id']}", headers=admin)

    pages = []
    cursor = None
    while True:
        response = await client.get(
            "/api/catalog/reports/low-stock",
            params={"threshold": 5, "limit": 3} | ({"cursor": cursor} if cursor else {}),
            headers=admin,
        )
        pages.append([item["name"] for item in response.json()["items"]])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break

    assert pages == [["a", "b", "c"], ["d"]]
    assert response.json()["items"][0].keys() == {
        "product_id",
        "name",
        "slug",
        "sku",
        "available",
        "held",
        "committed",
    }


async def test_a_low_stock_cursor_is_bound_to_its_threshold(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    create_category: CreateCategory,
    create_product: CreateProduct,
) -> None:
    mugs = await create_category("Mugs")
    for _ in range(3):
        await create_product(mugs, stock=1)
    first = await client.get(
        "/api/catalog/reports/low-stock", params={"threshold": 5, "limit": 1}, headers=admin
    )

    response = await client.get(
        "/api/catalog/reports/low-stock",
        params={"threshold": 9, "limit": 1, "cursor": first.json()["next_cursor"]},
        headers=admin,
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid-cursor"


async def test_category_stats_cover_subcategories_as_decimal_strings(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    create_category: CreateCategory,
    create_product: CreateProduct,
) -> None:
    kitchen = await create_category("Kitchen")
    mugs = await create_category("Mugs", parent_id=kitchen["id"])
    await create_category("Empty")
    await create_product(kitchen, price="10.00")
    await create_product(mugs, price="20.00")
    await create_product(mugs, price="25.01")
    hidden = await create_product(mugs, price="999.00")
    await client.delete(f"/api/catalog/products/{hidden['id']}", headers=admin)

    response = await client.get("/api/catalog/reports/category-stats", headers=admin)

    assert response.status_code == 200
    stats = {row["slug"]: row for row in response.json()}
    assert {key: stats["kitchen"][key] for key in stats["kitchen"] if key != "category_id"} == {
        "name": "Kitchen",
        "slug": "kitchen",
        "product_count": 3,
        "min_price": "10.00",
        "avg_price": "18.34",
        "max_price": "25.01",
    }
    assert (stats["mugs"]["product_count"], stats["mugs"]["avg_price"]) == (2, "22.51")
    assert stats["empty"] | {"category_id": None} == {
        "category_id": None,
        "name": "Empty",
        "slug": "empty",
        "product_count": 0,
        "min_price": None,
        "avg_price": None,
        "max_price": None,
    }
