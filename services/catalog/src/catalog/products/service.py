"""Browsing and administering products."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.categories.models import Category
from catalog.categories.repository import CategoryRepository
from catalog.money import PRICE_DIGITS, PRICE_PLACES
from catalog.products.errors import CategoryUnavailable, InvalidProductQuery, ProductNotFound
from catalog.products.models import Product
from catalog.products.repository import ProductFilter, ProductRepository
from catalog.products.schemas import (
    NAME_MAX_LENGTH,
    SLUG_MAX_LENGTH,
    ProductCreate,
    ProductQuery,
    ProductSort,
    ProductUpdate,
)
from catalog.slugs import next_free_slug, parse_ref, slug_from_name
from catalog.stock.models import StockMovementKind
from catalog.stock.repository import StockRepository
from service_kit.pagination import (
    KeysetPageOfRows,
    PageCursors,
    cursor_datetime,
    cursor_decimal,
    cursor_float,
    cursor_str,
    cursor_uuid,
    keyset_page,
    query_digest,
)


async def list_products(
    *, session: AsyncSession, cursors: PageCursors, query: ProductQuery
) -> KeysetPageOfRows[RowMapping]:
    """Active products matching the filters, one keyset page in one SQL query: plain rows
    of PUBLIC_PRODUCT_COLUMNS (no ORM objects on the public reads)."""
    sort = query.effective_sort
    if sort is ProductSort.RELEVANCE and not query.q:
        raise InvalidProductQuery("Sorting by relevance needs a search text (q).")
    if (
        query.min_price is not None
        and query.max_price is not None
        and query.min_price > query.max_price
    ):
        raise InvalidProductQuery("min_price is above max_price.")
    where = ProductFilter(
        category=parse_ref(query.category) if query.category else None,
        min_price=query.min_price,
        max_price=query.max_price,
        in_stock=query.in_stock,
        text=query.q,
    )
    digest = query_digest(
        category=query.category,
        min_price=query.min_price,
        max_price=query.max_price,
        in_stock=query.in_stock,
        q=query.q,
        sort=sort,
    )
    after = None
    if query.cursor is not None:
        key, product_id = cursors.read(query.cursor, digest=digest, key_length=2)
        after = (_sort_key_from_cursor(sort, key), cursor_uuid(product_id))
    rows = await ProductRepository(session).search(
        where=where, sort=sort, after=after, limit=query.limit + 1
    )
    return keyset_page(
        rows,
        limit=query.limit,
        cursor_after=lambda last: cursors.issue(
            digest=digest, key=[_sort_key_to_cursor(last["sort_key"]), str(last["id"])]
        ),
    )


async def get_product(*, session: AsyncSession, ref: str) -> RowMapping:
    """An active product by id or slug: a plain row of PUBLIC_PRODUCT_COLUMNS."""
    product = await ProductRepository(session).get_active(parse_ref(ref))
    if product is None:
        raise ProductNotFound(f"There is no product '{ref}'.")
    return product


async def create_product(
    *, session: AsyncSession, data: ProductCreate, created_by: uuid.UUID
) -> Product:
    products = ProductRepository(session)
    category = await _category_for_products(session, data.category_id)
    slug = data.slug or await _free_slug(products, data.name)
    product = Product(
        name=data.name,
        slug=slug,
        sku=data.sku,
        description=data.description,
        price=data.price,
        category_id=category.id,
        category=category,
        stock_available=data.stock,
        is_active=data.is_active,
    )
    await products.add(product)
    if data.stock > 0:
        await StockRepository(session).record_movement(
            product_id=product.id,
            kind=StockMovementKind.INITIAL,
            quantity=data.stock,
            reason=None,
            recorded_by=created_by,
        )
    return product


async def update_product(
    *, session: AsyncSession, product_id: uuid.UUID, data: ProductUpdate
) -> Product:
    products = ProductRepository(session)
    product = await products.get(product_id, lock=True)
    if product is None:
        raise ProductNotFound(f"There is no product {product_id}.")
    changes = data.model_dump(exclude_unset=True)
    moves = "category_id" in changes and changes["category_id"] != product.category_id
    becomes_active = changes.get("is_active") is True and not product.is_active
    if moves or becomes_active:
        product.category = await _category_for_products(
            session, changes.get("category_id", product.category_id)
        )
    for field, value in changes.items():
        setattr(product, field, value)
    await products.flush()
    return product


async def deactivate_product(*, session: AsyncSession, product_id: uuid.UUID) -> None:
    """Hide a product from the public and from new reservations; existing ones stand."""
    products = ProductRepository(session)
    product = await products.get(product_id, lock=True)
    if product is None:
        raise ProductNotFound(f"There is no product {product_id}.")
    product.is_active = False
    await products.flush()


async def _category_for_products(session: AsyncSession, category_id: uuid.UUID) -> Category:
    # FOR SHARE: a concurrent deactivation of the category waits for this transaction and
    # then sees the product (and refuses), or this waits for it and sees it inactive.
    category = await CategoryRepository(session).get_for_share(category_id)
    if category is None or not category.is_active:
        raise CategoryUnavailable(
            f"The category {category_id} is unknown or inactive.", category_id=str(category_id)
        )
    return category


async def _free_slug(products: ProductRepository, name: str) -> str:
    base = slug_from_name(name, max_length=SLUG_MAX_LENGTH, fallback="product")
    return next_free_slug(base, await products.taken_slugs(base), max_length=SLUG_MAX_LENGTH)


def _sort_key_to_cursor(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _sort_key_from_cursor(sort: ProductSort, value: Any) -> Any:
    """The sort key a cursor carries, checked against its column (products.models)."""
    if sort is ProductSort.NEWEST:
        return cursor_datetime(value)
    if sort in (ProductSort.PRICE, ProductSort.PRICE_DESC):
        return cursor_decimal(value, max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    if sort is ProductSort.RELEVANCE:
        return cursor_float(value)
    return cursor_str(value, max_length=NAME_MAX_LENGTH)
