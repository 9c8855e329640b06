"""Stock levels, restocks and adjustments (admin)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.products.errors import ProductNotFound
from catalog.stock.errors import StockBelowHeld, StockLimitExceeded
from catalog.stock.models import StockMovementKind
from catalog.stock.repository import MAX_UNITS_PER_PRODUCT, StockRepository, StockRow
from catalog.stock.schemas import Restock, StockAdjustment
from service_kit.problems import ProblemError


async def get_stock_levels(*, session: AsyncSession, product_id: uuid.UUID) -> StockRow:
    row = await StockRepository(session).levels(product_id)
    if row is None:
        raise ProductNotFound(f"There is no product {product_id}.")
    return row


async def restock(
    *, session: AsyncSession, product_id: uuid.UUID, data: Restock, recorded_by: uuid.UUID
) -> StockRow:
    """Units received: they become available at once."""
    stock = StockRepository(session)
    row = await stock.change_available(product_id=product_id, delta=data.quantity)
    if row is None:
        raise await _refusal(stock, product_id=product_id, delta=data.quantity)
    await stock.record_movement(
        product_id=product_id,
        kind=StockMovementKind.RESTOCK,
        quantity=data.quantity,
        reason=data.reason,
        recorded_by=recorded_by,
    )
    return row


async def adjust_stock(
    *,
    session: AsyncSession,
    product_id: uuid.UUID,
    data: StockAdjustment,
    recorded_by: uuid.UUID,
) -> StockRow:
    """Correct available stock (a stocktake, damage). Held and committed units are untouchable:
    the adjustment may remove at most what is available."""
    stock = StockRepository(session)
    row = await stock.change_available(product_id=product_id, delta=data.delta)
    if row is None:
        raise await _refusal(stock, product_id=product_id, delta=data.delta)
    await stock.record_movement(
        product_id=product_id,
        kind=StockMovementKind.ADJUSTMENT,
        quantity=data.delta,
        reason=data.reason,
        recorded_by=recorded_by,
    )
    return row


async def _refusal(stock: StockRepository, *, product_id: uuid.UUID, delta: int) -> ProblemError:
    """Why `change_available` moved nothing: no such product, too few or too many units."""
    current = await stock.levels(product_id)
    if current is None:
        return ProductNotFound(f"There is no product {product_id}.")
    if delta > 0:
        units = current.available + current.held + current.committed
        return StockLimitExceeded(
            f"The product has {units} units; {delta} more would pass the"
            f" {MAX_UNITS_PER_PRODUCT} one product can hold.",
            units=units,
            delta=delta,
            max_units=MAX_UNITS_PER_PRODUCT,
        )
    return StockBelowHeld(
        f"Only {current.available} units are available; {current.held} more are held by"
        f" reservations and cannot be adjusted away.",
        available=current.available,
        held=current.held,
        delta=delta,
    )
