import uuid

from fastapi import APIRouter

from catalog.products.errors import ProductNotFound
from catalog.settings import API_PREFIX
from catalog.stock import service
from catalog.stock.errors import StockBelowHeld, StockLimitExceeded
from catalog.stock.repository import StockRow
from catalog.stock.schemas import Restock, StockAdjustment, StockLevels
from service_kit.auth import RequireAdmin
from service_kit.database import ReadSessionDep, SessionDep
from service_kit.openapi import problem_responses

router = APIRouter(prefix=API_PREFIX + "/products", tags=["stock"])


@router.get(
    "/{product_id}/stock",
    response_model=StockLevels,
    summary="Where a product's units are: available, held, committed (admin)",
    responses=problem_responses(ProductNotFound),
)
async def get_stock_levels(
    admin: RequireAdmin, session: ReadSessionDep, product_id: uuid.UUID
) -> StockRow:
    return await service.get_stock_levels(session=session, product_id=product_id)


@router.post(
    "/{product_id}/stock/restocks",
    response_model=StockLevels,
    summary="Add received units to available stock (admin)",
    responses=problem_responses(ProductNotFound, StockLimitExceeded),
)
async def restock(
    admin: RequireAdmin, session: SessionDep, product_id: uuid.UUID, data: Restock
) -> StockRow:
    return await service.restock(
        session=session, product_id=product_id, data=data, recorded_by=admin.user_id
    )


@router.post(
    "/{product_id}/stock/adjustments",
    response_model=StockLevels,
    summary="Correct available stock up or down, never below what reservations hold (admin)",
    responses=problem_responses(ProductNotFound, StockBelowHeld, StockLimitExceeded),
)
async def adjust_stock(
    admin: RequireAdmin, session: SessionDep, product_id: uuid.UUID, data: StockAdjustment
) -> StockRow:
    return await service.adjust_stock(
        session=session, product_id=product_id, data=data, recorded_by=admin.user_id
    )
