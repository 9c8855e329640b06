"""Loads the demo catalog: adds what is missing, and changes nothing that exists.

Idempotent, keyed by category slug and product SKU. A demo category or product that exists
is left exactly as it is, whatever happened to it since (renamed, repriced, restocked, moved,
deactivated): by then it is the shop's data, not the seed's. One that is missing is added, a
product with its `initial` ledger row. Nothing is ever updated or deleted, so loading again
never resets a shop in use.

What is added keeps the catalog's rules: a missing category goes only under a visible parent
(active, with active ancestors), a missing product only into a visible category (the others
are left out and reported), and a slug taken meanwhile gets `-2`, `-3`... as the API does.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.categories.models import Category
from catalog.categories.repository import CategoryRepository
from catalog.products.models import Product
from catalog.products.repository import ProductRepository
from catalog.products.schemas import SLUG_MAX_LENGTH
from catalog.seed.demo_catalog import CATEGORIES, PRODUCTS, DemoCategory, DemoProduct
from catalog.slugs import next_free_slug, slug_from_name
from catalog.stock.models import StockMovement, StockMovementKind
from catalog.stock.repository import StockRepository


@dataclass(frozen=True)
class SeedReport:
    categories_added: int
    categories_kept: int
    products_added: int
    products_kept: int
    # Slugs and SKUs not added because their parent or category is hidden.
    left_out: tuple[str, ...]


async def load_demo_catalog(
    *,
    session: AsyncSession,
    categories: Sequence[DemoCategory] = CATEGORIES,
    products: Sequence[DemoProduct] = PRODUCTS,
) -> SeedReport:
    """Add the demo categories (parents first) and products that are missing."""
    # The lock every category write takes: another load, or an admin deactivating a
    # category, waits until this one commits, so what is read below stays true until then.
    stored_categories = CategoryRepository(session)
    await stored_categories.lock_tree()
    category_ids = await stored_categories.ids_by_slug([category.slug for category in categories])
    visible = await stored_categories.visible_ids()
    left_out: list[str] = []

    categories_added = categories_kept = 0
    for demo_category in categories:
        if demo_category.slug in category_ids:
            categories_kept += 1
            continue
        parent_id = category_ids.get(demo_category.parent) if demo_category.parent else None
        if demo_category.parent is not None and parent_id not in visible:
            left_out.append(demo_category.slug)
            continue
        category = await stored_categories.add(
            Category(
                slug=demo_category.slug,
                name=demo_category.name,
                description=demo_category.description,
                parent_id=parent_id,
                is_active=True,
            )
        )
        category_ids[demo_category.slug] = category.id
        visible.add(category.id)
        categories_added += 1

    existing_skus = await ProductRepository(session).existing_skus(
        [product.sku for product in products]
    )
    products_added = products_kept = 0
    # One INSERT for all of them at the end: the load holds the tree lock until it commits,
    # and another load waits for it that long.
    initial_stock: list[StockMovement] = []
    for demo_product in products:
        category_id = category_ids.get(demo_product.category)
        if demo_product.sku in existing_skus:
            products_kept += 1
        elif category_id is None or category_id not in visible:
            left_out.append(demo_product.sku)
        elif (product_id := await _add_product(session, demo_product, category_id)) is not None:
            products_added += 1
            existing_skus.add(demo_product.sku)
            if demo_product.stock:
                initial_stock.append(
                    StockMovement(
                        product_id=product_id,
                        kind=StockMovementKind.INITIAL,
                        quantity=demo_product.stock,
                        reason="demo catalog",
                    )
                )
        else:
            products_kept += 1
    await StockRepository(session).record_movements(initial_stock)
    return SeedReport(
        categories_added=categories_added,
        categories_kept=categories_kept,
        products_added=products_added,
        products_kept=products_kept,
        left_out=tuple(left_out),
    )


async def _add_product(
    session: AsyncSession, demo_product: DemoProduct, category_id: uuid.UUID
) -> uuid.UUID | None:
    """Insert a demo product; its id, or None if its SKU appeared meanwhile."""
    stored_products = ProductRepository(session)
    base = slug_from_name(demo_product.name, max_length=SLUG_MAX_LENGTH, fallback="product")
    taken = await stored_products.taken_slugs(base)
    product = Product(
        id=uuid.uuid4(),
        sku=demo_product.sku,
        slug=next_free_slug(base, taken, max_length=SLUG_MAX_LENGTH),
        name=demo_product.name,
        description=demo_product.description,
        price=demo_product.price,
        category_id=category_id,
        stock_available=demo_product.stock,
        is_active=True,
    )
    # An admin's product created with this SKU since we looked: it stays as it is.
    if not await stored_products.add_unless_sku_exists(product):
        return None
    return product.id
