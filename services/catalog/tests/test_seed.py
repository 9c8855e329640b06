"""The demo catalog: loads into an empty database, and loading it again changes no stock."""

import asyncpg
import httpx

from catalog.seed.demo_catalog import CATEGORIES, PRODUCTS
from catalog.seed.loader import load_demo_catalog
from catalog.settings import CatalogSettings
from service_kit.database import Database


async def seed(settings: CatalogSettings) -> tuple[int, int]:
    database = Database.from_settings(settings)
    try:
        async with database.sessionmaker() as session, session.begin():
            report = await load_demo_catalog(session)
    finally:
        await database.dispose()
    return report.products_added, report.products_updated


async def test_the_demo_catalog_is_browsable_once_loaded(
    client: httpx.AsyncClient, settings: CatalogSettings
) -> None:
    assert await seed(settings) == (len(PRODUCTS), 0)

    tree = (await client.get("/api/catalog/categories/tree")).json()
    mugs = (await client.get("/api/catalog/products", params={"q": "mug", "limit": 100})).json()
    kitchen = (
        await client.get("/api/catalog/products", params={"category": "kitchen", "limit": 100})
    ).json()

    assert len(tree) == len([category for category in CATEGORIES if category.parent is None])
    assert len(PRODUCTS) >= 30
    assert any(item["sku"] == "MUG-001" for item in mugs["items"])
    assert len(kitchen["items"]) == len([p for p in PRODUCTS if under("kitchen", p.category)])


def under(root: str, slug: str | None) -> bool:
    parents = {category.slug: category.parent for category in CATEGORIES}
    while slug is not None:
        if slug == root:
            return True
        slug = parents[slug]
    return False


async def test_loading_again_adds_nothing_and_keeps_live_stock(
    client: httpx.AsyncClient,
    settings: CatalogSettings,
    orders: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    await seed(settings)
    mug = (await client.get("/api/catalog/products/stoneware-mug-speckled-white")).json()
    await client.post(
        "/internal/reservations",
        json={"key": "demo", "lines": [{"product_id": mug["id"], "quantity": 5}]},
        headers=orders,
    )

    assert await seed(settings) == (0, len(PRODUCTS))

    again = (await client.get(f"/api/catalog/products/{mug['id']}")).json()
    assert again["stock"] == mug["stock"] - 5
    counts = await db.fetchrow(
        "SELECT (SELECT count(*) FROM catalog.categories) AS categories,"
        " (SELECT count(*) FROM catalog.products) AS products,"
        " (SELECT count(*) FROM catalog.stock_movements) AS movements"
    )
    assert (counts["categories"], counts["products"]) == (len(CATEGORIES), len(PRODUCTS))
    assert counts["movements"] == len([product for product in PRODUCTS if product.stock])
