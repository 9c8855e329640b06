"""The demo catalog: loading adds what is missing and never touches what exists."""

import asyncio
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from catalog.seed.demo_catalog import CATEGORIES, PRODUCTS, DemoCategory, DemoProduct
from catalog.seed.loader import SeedReport, load_demo_catalog
from catalog.settings import CatalogSettings
from service_kit.database import Database

Json = dict[str, Any]


async def seed(settings: CatalogSettings, **demo: Any) -> SeedReport:
    database = Database.from_settings(settings)
    try:
        async with database.transaction() as session:
            return await load_demo_catalog(session=session, **demo)
    finally:
        await database.dispose()


async def snapshot(db: asyncpg.Connection) -> tuple[list[Json], list[Json], list[Json]]:
    """Every row the seed could touch, as it is."""
    categories = await db.fetch("SELECT * FROM catalog.categories ORDER BY slug")
    products = await db.fetch("SELECT * FROM catalog.products ORDER BY sku")
    movements = await db.fetch("SELECT * FROM catalog.stock_movements ORDER BY id")
    return (
        [dict(row) for row in categories],
        [dict(row) for row in products],
        [dict(row) for row in movements],
    )


def under(root: str, slug: str | None) -> bool:
    parents = {category.slug: category.parent for category in CATEGORIES}
    while slug is not None:
        if slug == root:
            return True
        slug = parents[slug]
    return False


async def test_the_demo_catalog_is_browsable_once_loaded(
    client: httpx.AsyncClient, settings: CatalogSettings
) -> None:
    report = await seed(settings)

    assert report == SeedReport(
        categories_added=len(CATEGORIES),
        categories_kept=0,
        products_added=len(PRODUCTS),
        products_kept=0,
        left_out=(),
    )
    tree = (await client.get("/api/catalog/categories/tree")).json()
    mugs = (await client.get("/api/catalog/products", params={"q": "mug", "limit": 100})).json()
    kitchen = (
        await client.get("/api/catalog/products", params={"category": "kitchen", "limit": 100})
    ).json()
    assert len(tree) == len([category for category in CATEGORIES if category.parent is None])
    assert len(PRODUCTS) >= 30
    assert any(item["sku"] == "MUG-001" for item in mugs["items"])
    assert len(kitchen["items"]) == len([p for p in PRODUCTS if under("kitchen", p.category)])


async def test_each_product_starts_with_its_initial_stock_in_the_ledger(
    client: httpx.AsyncClient, settings: CatalogSettings, db: asyncpg.Connection
) -> None:
    await seed(settings)

    rows = await db.fetch(
        "SELECT p.sku, p.stock_available, coalesce(sum(m.quantity), 0) AS ledger"
        " FROM catalog.products AS p LEFT JOIN catalog.stock_movements AS m"
        " ON m.product_id = p.id GROUP BY p.sku, p.stock_available"
    )

    assert {row["sku"]: (row["stock_available"], row["ledger"]) for row in rows} == {
        product.sku: (product.stock, product.stock) for product in PRODUCTS
    }


async def test_loading_again_changes_nothing_an_admin_changed(
    client: httpx.AsyncClient,
    settings: CatalogSettings,
    admin: dict[str, str],
    orders: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    await seed(settings)
    mug = (await client.get("/api/catalog/products/stoneware-mug-speckled-white")).json()
    kitchen = (await client.get("/api/catalog/categories/kitchen")).json()
    changes = [
        client.patch(
            f"/api/catalog/products/{mug['id']}",
            json={"name": "House Mug", "price": "99.00", "description": "Ours now."},
            headers=admin,
        ),
        client.post(
            f"/api/catalog/products/{mug['id']}/stock/restocks",
            json={"quantity": 7},
            headers=admin,
        ),
        client.patch(
            f"/api/catalog/categories/{kitchen['id']}",
            json={"name": "Kitchen", "description": None},
            headers=admin,
        ),
        client.post(
            "/internal/reservations",
            json={"key": "demo", "lines": [{"product_id": mug["id"], "quantity": 5}]},
            headers=orders,
        ),
    ]
    for change in changes:
        assert (await change).status_code < 300
    press = (await client.get("/api/catalog/products/french-press-1-litre")).json()
    assert (await client.delete(f"/api/catalog/products/{press['id']}", headers=admin)).is_success
    before = await snapshot(db)

    report = await seed(settings)

    assert await snapshot(db) == before
    assert report == SeedReport(
        categories_added=0,
        categories_kept=len(CATEGORIES),
        products_added=0,
        products_kept=len(PRODUCTS),
        left_out=(),
    )
    again = (await client.get(f"/api/catalog/products/{mug['id']}")).json()
    assert (again["name"], again["price"], again["stock"]) == (
        "House Mug",
        "99.00",
        mug["stock"] + 2,
    )
    assert (await client.get(f"/api/catalog/products/{press['id']}")).status_code == 404


def demo_subset() -> tuple[tuple[DemoCategory, ...], tuple[DemoProduct, ...]]:
    """An older, smaller demo catalog: the kitchen branch without its mugs."""
    categories = tuple(
        category
        for category in CATEGORIES
        if under("kitchen", category.slug) and category.slug != "mugs-cups"
    )
    slugs = {category.slug for category in categories}
    return categories, tuple(product for product in PRODUCTS if product.category in slugs)


async def test_loading_adds_only_what_is_missing(
    client: httpx.AsyncClient, settings: CatalogSettings, db: asyncpg.Connection
) -> None:
    categories, products = demo_subset()
    await seed(settings, categories=categories, products=products)
    before_categories, before_products, before_movements = await snapshot(db)

    report = await seed(settings)

    assert (report.categories_added, report.categories_kept) == (
        len(CATEGORIES) - len(categories),
        len(categories),
    )
    assert (report.products_added, report.products_kept) == (
        len(PRODUCTS) - len(products),
        len(products),
    )
    after_categories, after_products, after_movements = await snapshot(db)
    assert [row for row in after_categories if row in before_categories] == before_categories
    assert [row for row in after_products if row in before_products] == before_products
    assert after_movements[: len(before_movements)] == before_movements
    assert len(after_products) == len(PRODUCTS)
    mugs = (await client.get("/api/catalog/products", params={"category": "mugs-cups"})).json()
    assert {item["sku"] for item in mugs["items"]} == {
        product.sku for product in PRODUCTS if product.category == "mugs-cups"
    }


async def test_a_missing_product_whose_slug_was_taken_gets_the_next_free_one(
    client: httpx.AsyncClient,
    settings: CatalogSettings,
    admin: dict[str, str],
) -> None:
    category = DemoCategory("mugs-cups", "Mugs & Cups", None, "Stoneware.")
    mug = DemoProduct("MUG-001", "Speckled Mug", "mugs-cups", Decimal("14.90"), 3, "A mug.")
    await seed(settings, categories=(category,), products=())
    shelf = (await client.get("/api/catalog/categories/mugs-cups")).json()
    ours = await client.post(
        "/api/catalog/products",
        json={"name": "Speckled Mug", "sku": "OWN-1", "price": "20", "category_id": shelf["id"]},
        headers=admin,
    )

    report = await seed(settings, categories=(category,), products=(mug,))

    assert report.products_added == 1
    assert (await client.get("/api/catalog/products/speckled-mug")).json()["sku"] == "OWN-1"
    assert (await client.get("/api/catalog/products/speckled-mug-2")).json()["sku"] == "MUG-001"
    assert ours.status_code == 201


async def test_nothing_is_added_where_the_public_could_not_see_it(
    client: httpx.AsyncClient,
    settings: CatalogSettings,
    admin: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    categories, _ = demo_subset()
    await seed(settings, categories=categories, products=())
    coffee = (await client.get("/api/catalog/categories/coffee-tea")).json()
    for child in coffee["children"]:
        await client.delete(f"/api/catalog/categories/{child['id']}", headers=admin)
    assert (
        await client.delete(f"/api/catalog/categories/{coffee['id']}", headers=admin)
    ).is_success

    report = await seed(settings)

    hidden = {"coffee-tea", "coffee-makers", "mugs-cups"}
    assert set(report.left_out) == {"mugs-cups"} | {
        product.sku for product in PRODUCTS if product.category in hidden
    }
    assert (
        await db.fetchval(
            "SELECT count(*) FROM catalog.products AS p JOIN catalog.categories AS c"
            " ON c.id = p.category_id WHERE c.slug = ANY($1::text[])",
            sorted(hidden),
        )
        == 0
    )
    assert (
        await db.fetchval("SELECT count(*) FROM catalog.categories WHERE slug = 'mugs-cups'") == 0
    )


async def test_two_loads_at_once_add_each_row_once(
    client: httpx.AsyncClient, settings: CatalogSettings, db: asyncpg.Connection
) -> None:
    reports = await asyncio.gather(seed(settings), seed(settings))

    assert sorted(report.products_added for report in reports) == [0, len(PRODUCTS)]
    counts = await db.fetchrow(
        "SELECT (SELECT count(*) FROM catalog.categories) AS categories,"
        " (SELECT count(*) FROM catalog.products) AS products,"
        " (SELECT count(*) FROM catalog.stock_movements) AS movements"
    )
    assert (counts["categories"], counts["products"]) == (len(CATEGORIES), len(PRODUCTS))
    assert counts["movements"] == len([product for product in PRODUCTS if product.stock])
