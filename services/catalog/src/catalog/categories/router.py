import uuid
from typing import Annotated

from fastapi import APIRouter, Path, status
from starlette.convertors import StringConvertor, register_url_convertor

from catalog.caching import PublicRead
from catalog.categories import service
from catalog.categories.errors import (
    CategoryCycle,
    CategoryNotEmpty,
    CategoryNotFound,
    CategorySlugTaken,
    ParentCategoryUnavailable,
)
from catalog.categories.models import Category, CategoryBranch, CategoryInTree
from catalog.categories.schemas import (
    RESERVED_CATEGORY_SLUGS,
    CategoryCreate,
    CategoryDetail,
    CategoryNode,
    CategoryOut,
    CategoryUpdate,
)
from catalog.dependencies import PageCursorsDep
from catalog.settings import API_PREFIX
from service_kit.auth import RequireAdmin
from service_kit.database import ReadSessionDep, SessionDep
from service_kit.openapi import problem_responses
from service_kit.pagination import (
    DEFAULT_PAGE_SIZE,
    CursorParam,
    InvalidCursor,
    KeysetPage,
    KeysetPageOfRows,
    PageSize,
)
from service_kit.text import StoredText

router = APIRouter(prefix=API_PREFIX + "/categories", tags=["categories"])

CategoryRefPath = Annotated[
    StoredText, Path(min_length=1, max_length=120, description="The category's id or slug")
]
# Writes take the id only; one path template for reads and writes, so that the documents
# name one resource with one set of methods.
CategoryIdPath = Annotated[uuid.UUID, Path(alias="ref", description="The category's id")]


class _CategoryRefSegment(StringConvertor):
    """A path segment that is no route of its own: PATCH /categories/tree is a 405 (the
    tree is read-only), not a category id that fails to parse."""

    regex = "".join(f"(?!{word}$)" for word in sorted(RESERVED_CATEGORY_SLUGS)) + "[^/]+"


register_url_convertor("category_ref", _CategoryRefSegment())


@router.get(
    "",
    response_model=KeysetPage[CategoryOut],
    summary="Active categories, flat, by name",
    responses=problem_responses(InvalidCursor),
    dependencies=[PublicRead],
)
async def list_categories(
    session: ReadSessionDep,
    cursors: PageCursorsDep,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    cursor: CursorParam = None,
) -> KeysetPageOfRows[Category]:
    return await service.list_categories(
        session=session, cursors=cursors, limit=limit, cursor=cursor
    )


@router.get(
    "/tree",
    response_model=list[CategoryNode],
    summary="The active category tree",
    dependencies=[PublicRead],
)
async def category_tree(session: ReadSessionDep) -> list[CategoryBranch]:
    return await service.category_tree(session=session)


@router.get(
    "/{ref}",
    response_model=CategoryDetail,
    summary="A category by id or slug",
    responses=problem_responses(CategoryNotFound),
    dependencies=[PublicRead],
)
async def get_category(session: SessionDep, ref: CategoryRefPath) -> CategoryInTree:
    return await service.get_category(session=session, ref=ref)


@router.post(
    "",
    response_model=CategoryOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(ParentCategoryUnavailable, CategorySlugTaken),
)
async def create_category(
    _admin: RequireAdmin, session: SessionDep, data: CategoryCreate
) -> Category:
    return await service.create_category(session=session, data=data)


@router.patch(
    "/{ref:category_ref}",
    response_model=CategoryOut,
    responses=problem_responses(
        CategoryNotFound,
        ParentCategoryUnavailable,
        CategoryCycle,
        CategoryNotEmpty,
        CategorySlugTaken,
    ),
)
async def update_category(
    _admin: RequireAdmin, session: SessionDep, category_id: CategoryIdPath, data: CategoryUpdate
) -> Category:
    return await service.update_category(session=session, category_id=category_id, data=data)


@router.delete(
    "/{ref:category_ref}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Deactivate a category (refused while it has active products or subcategories)",
    responses=problem_responses(CategoryNotFound, CategoryNotEmpty),
)
async def deactivate_category(
    _admin: RequireAdmin, session: SessionDep, category_id: CategoryIdPath
) -> None:
    await service.deactivate_category(session=session, category_id=category_id)
