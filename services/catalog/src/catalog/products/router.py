import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy import RowMapping

from catalog.caching import PublicRead
from catalog.dependencies import PageCursorsDep
from catalog.products import service
from catalog.products.errors import (
    CategoryUnavailable,
    InvalidProductQuery,
    ProductNotFound,
    ProductSlugTaken,
    SkuTaken,
)
from catalog.products.models import Product
from catalog.products.schemas import ProductCreate, ProductOut, ProductQuery, ProductUpdate
from catalog.settings import API_PREFIX
from service_kit.auth import RequireAdmin
from service_kit.database import ReadSessionDep, SessionDep
from service_kit.openapi import problem_responses
from service_kit.pagination import InvalidCursor, KeysetPage, KeysetPageOfRows
from service_kit.text import StoredText

router = APIRouter(prefix=API_PREFIX + "/products", tags=["products"])

ProductRefPath = Annotated[
    StoredText, Path(min_length=1, max_length=220, description="The product's id or slug")
]
# Writes take the id only; one path template for reads and writes, so that the documents
# name one resource with one set of methods.
ProductIdPath = Annotated[uuid.UUID, Path(alias="ref", description="The product's id")]


@router.get(
    "",
    response_model=KeysetPage[ProductOut],
    summary="Active products: filter, search, sort, page by cursor",
    responses=problem_responses(InvalidProductQuery, InvalidCursor),
    dependencies=[PublicRead],
)
async def list_products(
    session: ReadSessionDep, cursors: PageCursorsDep, query: Annotated[ProductQuery, Query()]
) -> KeysetPageOfRows[RowMapping]:
    return await service.list_products(session=session, cursors=cursors, query=query)


@router.get(
    "/{ref}",
    response_model=ProductOut,
    summary="An active product by id or slug",
    responses=problem_responses(ProductNotFound),
    dependencies=[PublicRead],
)
async def get_product(session: ReadSessionDep, ref: ProductRefPath) -> RowMapping:
    return await service.get_product(session=session, ref=ref)


@router.post(
    "",
    response_model=ProductOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(CategoryUnavailable, ProductSlugTaken, SkuTaken),
)
async def create_product(admin: RequireAdmin, session: SessionDep, data: ProductCreate) -> Product:
    return await service.create_product(session=session, data=data, created_by=admin.user_id)


@router.patch(
    "/{ref}",
    response_model=ProductOut,
    responses=problem_responses(ProductNotFound, CategoryUnavailable, ProductSlugTaken, SkuTaken),
)
async def update_product(
    _admin: RequireAdmin, session: SessionDep, product_id: ProductIdPath, data: ProductUpdate
) -> Product:
    return await service.update_product(session=session, product_id=product_id, data=data)


@router.delete(
    "/{ref}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Deactivate a product: hidden from the public and from new reservations",
    responses=problem_responses(ProductNotFound),
)
async def deactivate_product(
    _admin: RequireAdmin, session: SessionDep, product_id: ProductIdPath
) -> None:
    await service.deactivate_product(session=session, product_id=product_id)
