from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import Row

from catalog.dependencies import PageCursorsDep
from catalog.reports import service
from catalog.reports.schemas import CategoryStats, LowStockProduct
from catalog.settings import API_PREFIX
from service_kit.auth import RequireAdmin
from service_kit.database import ReadSessionDep
from service_kit.openapi import problem_responses
from service_kit.pagination import (
    DEFAULT_PAGE_SIZE,
    CursorParam,
    InvalidCursor,
    KeysetPage,
    KeysetPageOfRows,
    PageSize,
)

router = APIRouter(prefix=API_PREFIX + "/reports", tags=["reports"])


@router.get(
    "/low-stock",
    response_model=KeysetPage[LowStockProduct],
    summary="Active products with few units available, scarcest first (admin)",
    responses=problem_responses(InvalidCursor),
)
async def low_stock(
    _admin: RequireAdmin,
    session: ReadSessionDep,
    cursors: PageCursorsDep,
    threshold: Annotated[
        int, Query(ge=0, le=1_000_000, description="At most this many available")
    ] = 5,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    cursor: CursorParam = None,
) -> KeysetPageOfRows[Row[Any]]:
    return await service.low_stock(
        session=session, cursors=cursors, threshold=threshold, limit=limit, cursor=cursor
    )


@router.get(
    "/category-stats",
    response_model=list[CategoryStats],
    summary="Per active category, subcategories included: product count and prices (admin)",
)
async def category_stats(_admin: RequireAdmin, session: ReadSessionDep) -> Sequence[Row[Any]]:
    return await service.category_stats(session=session)
