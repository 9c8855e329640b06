"""The public product list and detail: filters, search, sorts, cursor pages, query counts."""

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from testing_kit.statement_meter import StatementMeter

Json = dict[str, Any]
CreateCategory = Callable[..., Awaitable[Json]]
CreateProduct = Callable[..., Awaitable[Json]]


async def all_pages(client: httpx.AsyncClient, **params: Any) -> list[list[Json]]:
    pages: list[list[Json]] = []
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = await client.get("/api/catalog/products", params=query)
        assert response.status_code == 200, response.text
        pages.append(response.json()["items"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages


def names(items: list[Json]) -> list[str]:
    return [item["name"] for item in items]


@pytest.fixture
async def shop(create_category: CreateCategory, create_product: CreateProduct) -> dict[str, Json]:
    """Kitchen > Coffee > Mugs, and Garden; products with distinct prices and stock."""
    kitchen = await create_category("Kitchen")
    coffee = await create_category("Coffee", parent_id=kitchen["id"])
    mugs = await create_category("Mugs", parent_id=coffee["id"])
    garden = await create_category("Garden")
    products = {
        "mug": await create_product(
            mugs,
            name="Stoneware Mug",
            price="14.90",
            stock=5,
            description="A heavy mug that keeps coffee hot.",
        ),
        "press": await create_product(
            coffee,
            name="French Press",
            price="34.50",
            stock=0,
            description="Glass and steel, for full-bodied coffee.",
        ),
        "skillet": await create_product(
            kitchen, name="Cast Iron Skillet", price="42.00", stock=2, description="Sears."
        ),
        "trowel": await create_product(
            garden,
            name="Garden Trowel",
            price="16.00",
            stock=9,
            description="Ash handle. Not a mug.",
        ),
    }
    return {"kitchen": kitchen, "coffee": coffee, "mugs": mugs, "garden": garden, **products}


async def test_products_are_listed_newest_first_by_default(
    client: httpx.AsyncClient, shop: dict[str, Json]
) -> None:
    response = await client.get("/api/catalog/products")

    assert response.status_code == 200
    assert names(response.json()["items"]) == [
        "Garden Trowel",
        "Cast Iron Skillet",
        "French Press",
        "Stoneware Mug",
    ]
    assert response.json()["next_cursor"] is None


@pytest.mark.parametrize("ref", ["slug", "id"])
async def test_a_category_filter_includes_its_subcategories(
    client: httpx.AsyncClient, shop: dict[str, Json], ref: str
) -> None:
    response = await client.get(
        "/api/catalog/products", params={"category": shop["kitchen"][ref], "sort": "name"}
    )

    assert names(response.json()["items"]) == ["Cast Iron Skillet", "French Press", "Stoneware Mug"]


async def test_an_unknown_category_filter_finds_nothing(
    client: httpx.AsyncClient, shop: dict[str, Json]
) -> None:
    response = await client.get("/api/catalog/products", params={"category": "no-such-thing"})

    assert response.json()["items"] == []


async def test_a_price_range_is_inclusive(client: httpx.AsyncClient, shop: dict[str, Json]) -> None:
    response = await client.get(
        "/api/catalog/products",
        params={"min_price": "14.90", "max_price": "34.5", "sort": "price"},
    )

    assert names(response.json()["items"]) == ["Stoneware Mug", "Garden Trowel", "French Press"]


async def test_a_price_range_may_start_at_zero(
    client: httpx.AsyncClient, shop: dict[str, Json]
) -> None:
    response = await client.get("/api/catalog/products", params={"min_price": 0, "max_price": 15})

    assert names(response.json()["items"]) == ["Stoneware Mug"]


async def test_a_price_range_upside_down_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/catalog/products", params={"min_price": 5, "max_price": 1})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid-product-query"


async def test_in_stock_only_leaves_out_sold_out_products(
    client: httpx.AsyncClient, shop: dict[str, Json]
) -> None:
    response = await client.get("/api/catalog/products", params={"in_stock": True})

    assert "French Press" not in names(response.json()["items"])
    assert len(response.json()["items"]) == 3


async def test_search_stems_words_and_ranks_name_matches_first(
    client: httpx.AsyncClient, shop: dict[str, Json]
) -> None:
    response = await client.get("/api/catalog/products", params={"q": "mugs"})

    # "Stoneware Mug" has it in its name; the trowel only in its description.
    assert names(response.json()["items"]) == ["Stoneware Mug", "Garden Trowel"]


async def test_search_reads_web_search_syntax(
    client: httpx.AsyncClient, shop: dict[str, Json]
) -> None:
    both = await client.get("/api/catalog/products", params={"q": "coffee"})
    without = await client.get("/api/catalog/products", params={"q": "coffee -glass"})
    phrase = await client.get("/api/catalog/products", params={"q": '"cast iron"'})

    assert sorted(names(both.json()["items"])) == ["French Press", "Stoneware Mug"]
    assert names(without.json()["items"]) == ["Stoneware Mug"]
    assert names(phrase.json()["items"]) == ["Cast Iron Skillet"]


async def test_search_combines_with_filters_and_other_sorts(
    client: httpx.AsyncClient, shop: dict[str, Json]
) -> None:
    response = await client.get(
        "/api/catalog/products",
        params={"q": "coffee", "category": "coffee", "sort": "-price", "in_stock": True},
    )

    assert names(response.json()["items"]) == ["Stoneware Mug"]


async def test_search_without_matches_is_an_empty_page(
    client: httpx.AsyncClient, shop: dict[str, Json]
) -> None:
    response = await client.get("/api/catalog/products", params={"q": "the"})

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


async def test_relevance_needs_a_search_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/catalog/products", params={"sort": "relevance"})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid-product-query"


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price", ["Stoneware Mug", "Garden Trowel", "French Press", "Cast Iron Skillet"]),
        ("-price", ["Cast Iron Skillet", "French Press", "Garden Trowel", "Stoneware Mug"]),
        ("name", ["Cast Iron Skillet", "French Press", "Garden Trowel", "Stoneware Mug"]),
        ("-name", ["Stoneware Mug", "Garden Trowel", "French Press", "Cast Iron Skillet"]),
        ("newest", ["Garden Trowel", "Cast Iron Skillet", "French Press", "Stoneware Mug"]),
    ],
)
async def test_every_sort_pages_through_everything_once_in_order(
    client: httpx.AsyncClient, shop: dict[str, Json], sort: str, expected: list[str]
) -> None:
    pages = await all_pages(client, sort=sort, limit=3)

    assert [len(page) for page in pages] == [3, 1]
    assert [name for page in pages for name in names(page)] == expected


async def test_search_results_page_by_relevance(
    client: httpx.AsyncClient, create_category: CreateCategory, create_product: CreateProduct
) -> None:
    lamps = await create_category("Lamps")
    for number in range(7):
        await create_product(lamps, name=f"Lamp {number}", description="lamp " * number + "brass")

    pages = await all_pages(client, q="lamp", limit=2)
    items = [item for page in pages for item in page]

    assert len(items) == 7
    assert len({item["id"] for item in items}) == 7
    assert names(items)[0] == "Lamp 6"


async def test_equal_prices_page_in_a_stable_order_without_repeats(
    client: httpx.AsyncClient, create_category: CreateCategory, create_product: CreateProduct
) -> None:
    mugs = await create_category("Mugs")
    created = [await create_product(mugs, price="10.00") for _ in range(9)]

    pages = await all_pages(client, sort="price", limit=4)
    ids = [item["id"] for page in pages for item in page]

    assert ids == sorted(product["id"] for product in created)


async def test_pages_neither_skip_nor_repeat_while_products_are_added(
    client: httpx.AsyncClient, create_category: CreateCategory, create_product: CreateProduct
) -> None:
    mugs = await create_category("Mugs")
    for _ in range(4):
        await create_product(mugs)
    first = (await client.get("/api/catalog/products", params={"limit": 2})).json()

    await create_product(mugs, name="Brand new")
    second = (
        await client.get(
            "/api/catalog/products", params={"limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()

    seen = names(first["items"]) + names(second["items"])
    assert "Brand new" not in seen
    assert len(set(seen)) == 4


async def test_a_cursor_only_continues_the_query_it_came_from(
    client: httpx.AsyncClient, shop: dict[str, Json]
) -> None:
    first = (await client.get("/api/catalog/products", params={"limit": 1})).json()

    response = await client.get(
        "/api/catalog/products",
        params={"limit": 1, "sort": "price", "cursor": first["next_cursor"]},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid-cursor"


@pytest.mark.parametrize("cursor", ["garbage!", "e30", "eyJxIjoxfQ", "e30.e30", "x" * 600])
async def test_a_forged_cursor_is_refused(client: httpx.AsyncClient, cursor: str) -> None:
    response = await client.get("/api/catalog/products", params={"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid-cursor"


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"sort": "cheapest"}, {"min_price": "-1"}, {"q": ""}],
)
async def test_out_of_range_list_parameters_are_refused(
    client: httpx.AsyncClient, params: Json
) -> None:
    response = await client.get("/api/catalog/products", params=params)

    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"


async def test_a_page_holds_at_most_the_limit(
    client: httpx.AsyncClient, create_category: CreateCategory, create_product: CreateProduct
) -> None:
    mugs = await create_category("Mugs")
    await asyncio.gather(*(create_product(mugs) for _ in range(25)))

    default = (await client.get("/api/catalog/products")).json()
    largest = (await client.get("/api/catalog/products", params={"limit": 100})).json()

    assert len(default["items"]) == 20
    assert default["next_cursor"] is not None
    assert len(largest["items"]) == 25


@pytest.mark.parametrize("ref", ["id", "slug"])
async def test_a_product_is_found_by_id_or_slug(
    client: httpx.AsyncClient, shop: dict[str, Json], ref: str
) -> None:
    response = await client.get(f"/api/catalog/products/{shop['mug'][ref]}")

    assert response.status_code == 200
    assert response.json() == shop["mug"]
    assert Decimal(response.json()["price"]) == Decimal("14.90")


@pytest.mark.parametrize("ref", ["no-such-mug", "0f8fad5b-d9cb-469f-a165-70867728950e"])
async def test_an_unknown_product_is_a_404(client: httpx.AsyncClient, ref: str) -> None:
    response = await client.get(f"/api/catalog/products/{ref}")

    assert response.status_code == 404
    assert response.json()["code"] == "product-not-found"


@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        ("/api/catalog/products", {"limit": 100}, 1),
        ("/api/catalog/products", {"q": "product", "category": "kitchen", "in_stock": True}, 1),
        ("/api/catalog/products/product-1", {}, 1),
        ("/api/catalog/categories", {}, 1),
        ("/api/catalog/categories/tree", {}, 1),
        ("/api/catalog/categories/kitchen", {}, 3),
    ],
)
async def test_reads_run_a_fixed_number_of_queries_however_many_rows(
    client: httpx.AsyncClient,
    catalog_app: FastAPI,
    create_category: CreateCategory,
    create_product: CreateProduct,
    path: str,
    params: Json,
    queries: int,
) -> None:
    kitchen = await create_category("Kitchen")
    for index in range(6):
        child = await create_category(f"Shelf {index}", parent_id=kitchen["id"])
        for _ in range(5):
            await create_product(child, stock=1)

    async with StatementMeter(catalog_app.state.database.engine).counting() as tally:
        response = await client.get(path, params=params)

    assert response.status_code == 200
    assert len(tally.statements) == queries, tally.summary()


async def test_search_and_sorts_are_served_by_the_migration_indexes(
    shop: dict[str, Json], db: asyncpg.Connection
) -> None:
    async def plan(query: str) -> str:
        return "\n".join(row[0] for row in await db.fetch("EXPLAIN " + query))

    # A handful of rows is cheaper to scan and sort; with both priced out, the planner must
    # find an index that filters (search) or delivers the order (sorts) for each query shape.
    async with db.transaction():
        await db.execute("SET LOCAL enable_seqscan = off")
        await db.execute("SET LOCAL enable_sort = off")
        search = await plan(
            " SELECT id FROM catalog.products"
            " WHERE search_vector @@ websearch_to_tsquery('english', 'mug')"
        )
        by_price = await plan(
            "SELECT id FROM catalog.products WHERE is_active"
            " AND (price, id) > (10.00, '00000000-0000-0000-0000-000000000000')"
            " ORDER BY price, id LIMIT 21"
        )
        newest = await plan(
            "SELECT id FROM catalog.products WHERE is_active"
            " ORDER BY created_at DESC, id DESC LIMIT 21"
        )

    assert "ix_products_search_vector" in search
    assert "ix_products_active_price_id" in by_price
    assert "ix_products_active_created_at_id" in newest
