"""Moving orders along the status machine, and reading them. Placing them is placement.py."""

import logging
import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP
from typing import get_args

from sqlalchemy.ext.asyncio import AsyncSession

from orders.catalog_client import errors as catalog_errors
from orders.catalog_client.client import CatalogClient
from orders.notifications.models import OrderEvent
from orders.notifications.service import notify_customer
from orders.ordering import errors
from orders.ordering.models import Order, OrderStatus
from orders.ordering.placement import ZERO, reservation_key
from orders.ordering.repository import OrderDetailsValues, OrderRepository
from orders.ordering.schemas import OrderStatistics, VisibleStatus
from service_kit.auth import Principal
from service_kit.money import CENT
from service_kit.pagination import PageOfRows

logger = logging.getLogger(__name__)

# The customer's email about each move (placing writes its own: placement.py).
_EVENTS = {
    OrderStatus.CONFIRMED: OrderEvent.CONFIRMED,
    OrderStatus.SHIPPED: OrderEvent.SHIPPED,
    OrderStatus.DELIVERED: OrderEvent.DELIVERED,
    OrderStatus.CANCELLED: OrderEvent.CANCELLED,
}


async def change_status(
    *,
    session: AsyncSession,
    catalog: CatalogClient,
    order_id: uuid.UUID,
    to_status: OrderStatus,
    actor: Principal,
) -> Order:
    """Move an order along the status machine, settling its stock with catalog first.

    The order's row stays locked while catalog is asked, so a concurrent cancel and confirm
    of one order run one after the other. If catalog fails, nothing changes here (503: the
    request's transaction rolls back), and because commit and release are idempotent a
    retry is safe.
    """
    orders = OrderRepository(session)
    order = await orders.lock_for_move(
        order_id, customer_id=None if actor.is_admin else actor.user_id
    )
    if order is None:
        raise errors.OrderNotFound(f"There is no order {order_id}.")
    left = order.move_to(to_status, actor=actor)
    await _settle_stock(catalog=catalog, order=order, to_status=to_status)
    await orders.flush()
    # In the move's transaction: the email exists if and only if the move is committed.
    await notify_customer(
        session=session, order_id=order.id, customer_id=order.customer_id, event=_EVENTS[to_status]
    )
    if left == OrderStatus.PENDING:
        # Confirmed (sold) or cancelled (released): it no longer holds stock for the customer.
        await orders.free_hold(order)
    return order


async def _settle_stock(*, catalog: CatalogClient, order: Order, to_status: OrderStatus) -> None:
    key = reservation_key(order.id)
    try:
        if to_status == OrderStatus.CONFIRMED:
            await catalog.commit(key=key)
        elif to_status == OrderStatus.CANCELLED:
            await catalog.release(key=key)
    except catalog_errors.HoldExpired as error:
        raise errors.ReservationExpired(
            f"Order {order.number}'s stock hold expired before it was confirmed, and the stock"
            " went back on sale; cancel the order.",
        ) from error
    except catalog_errors.NoSuchReservation as error:
        if to_status != OrderStatus.CANCELLED:
            raise errors.ReservationNotHeld(
                f"Catalog holds no stock for order {order.number}; cancel the order."
            ) from error
        # Cancelling: nothing held is exactly what cancelling wants.
        logger.warning("cancelled an order catalog held nothing for", extra={"order": order.id})
    except catalog_errors.ReservationSettled as error:
        raise errors.ReservationNotHeld(
            f"Catalog no longer holds stock for order {order.number}; cancel the order."
        ) from error
    except catalog_errors.CatalogUnreachable as error:
        raise errors.CatalogUnavailable(
            "The catalog did not answer in time; the order is unchanged. Try again.",
            headers={"Retry-After": "5"},
        ) from error


async def get_order(
    *, session: AsyncSession, order_id: uuid.UUID, viewer: Principal
) -> OrderDetailsValues:
    """The order, if the viewer owns it or is an admin; otherwise it does not exist.

    One statement, which needs no transaction around it (`ReadSessionDep`).
    """
    order = await OrderRepository(session).find_details(
        order_id, customer_id=None if viewer.is_admin else viewer.user_id
    )
    if order is None:
        raise errors.OrderNotFound(f"There is no order {order_id}.")
    return order


async def list_orders(
    *,
    session: AsyncSession,
    limit: int,
    offset: int,
    customer_id: uuid.UUID | None = None,
    status: VisibleStatus | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> PageOfRows[Order]:
    return await OrderRepository(session).page(
        limit=limit,
        offset=offset,
        customer_id=customer_id,
        status=None if status is None else OrderStatus(status),
        created_from=created_from,
        created_before=created_before,
    )


async def order_statistics(
    *,
    session: AsyncSession,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> OrderStatistics:
    """The figures of the orders in the range.

    Computed, not stored: there is no row to hand out, so the service gives the report.
    """
    by_status = await OrderRepository(session).totals_by_status(
        created_from=created_from, created_before=created_before
    )
    counts = {status: by_status.get(status, (0, ZERO))[0] for status in get_args(VisibleStatus)}
    earning = [totals for status, totals in by_status.items() if status != OrderStatus.CANCELLED]
    revenue = sum((amount for _, amount in earning), ZERO).quantize(CENT)
    earning_count = sum(count for count, _ in earning)
    average = (revenue / earning_count).quantize(CENT, ROUND_HALF_UP) if earning_count else ZERO
    return OrderStatistics(
        order_count=sum(counts.values()),
        orders_by_status=counts,
        revenue=revenue,
        average_order_value=average,
    )
