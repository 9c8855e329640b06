"""Loads the demo catalog idempotently: upserts by category slug and product SKU.

Running it again updates names, descriptions, prices and the tree, and adds what is missing;
it never changes the stock of a product that exists (that is live data by then) and never
deletes anything.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import Boolean, literal_column
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.categories.models import Category
from catalog.products.models import Product
from catalog.products.schemas import SLUG_MAX_LENGTH
from catalog.seed.demo_catalog import CATEGORIES, PRODUCTS
from catalog.slugs import slug_from_name
from catalog.stock.models import StockMovement, StockMovementKind


@dataclass(frozen=True)
class SeedReport:
    categories: int
    products_added: int
    products_updated: int


async def load_demo_catalog(session: AsyncSession) -> SeedReport:
    category_ids: dict[str, uuid.UUID] = {}
    for demo_category in CATEGORIES:
        category = insert(Category).values(
            id=uuid.uuid4(),
            slug=demo_category.slug,
            name=demo_category.name,
            description=demo_category.description,
            parent_id=category_ids[demo_category.parent] if demo_category.parent else None,
            is_active=True,
        )
        upsert_category = category.on_conflict_do_update(
            index_elements=[Category.slug],
            set_={
                "name": category.excluded.name,
                "description": category.excluded.description,
                "parent_id": category.excluded.parent_id,
                "is_active": True,
            },
        ).returning(Category.id)
        category_ids[demo_category.slug] = (await session.execute(upsert_category)).scalar_one()

    added = updated = 0
    for demo_product in PRODUCTS:
        product = insert(Product).values(
            id=uuid.uuid4(),
            sku=demo_product.sku,
            slug=slug_from_name(demo_product.name, max_length=SLUG_MAX_LENGTH, fallback="product"),
            name=demo_product.name,
            description=demo_product.description,
            price=demo_product.price,
            category_id=category_ids[demo_product.category],
            stock_available=demo_product.stock,
            is_active=True,
        )
        # xmax = 0: the row was inserted by this statement, not updated.
        upsert_product = product.on_conflict_do_update(
            index_elements=[Product.sku],
            set_={
                "name": product.excluded.name,
                "description": product.excluded.description,
                "price": product.excluded.price,
                "category_id": product.excluded.category_id,
                "is_active": True,
            },
        ).returning(Product.id, literal_column("xmax = 0", Boolean).label("inserted"))
        product_id, inserted = (await session.execute(upsert_product)).one()
        if not inserted:
            updated += 1
            continue
        added += 1
        if demo_product.stock:
            session.add(
                StockMovement(
                    product_id=product_id,
                    kind=StockMovementKind.INITIAL.value,
                    quantity=demo_product.stock,
                    reason="demo catalog",
                )
            )
    await session.flush()
    return SeedReport(categories=len(category_ids), products_added=added, products_updated=updated)
