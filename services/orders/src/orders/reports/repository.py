"""Read-only queries for the admin reports."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Row, func, or_, select

from orders.ordering.models import Order, OrderStatus
from service_kit.repository import Repository

# Orders that are a sale: every visible status but cancelled (placements in flight are not
# orders yet). A pending order whose stock hold has run out counts as cancelled already, as
# in the order statistics: its stock is back on sale, and the expiry sweep is about to say so.
SALE_STATUSES = (
    OrderStatus.PENDING,
    OrderStatus.CONFIRMED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


class ReportRepository(Repository[Order]):
    """Reads over the orders that no endpoint of theirs needs."""

    model = Order

    async def top_customers(
        self, *, placed_from: datetime, placed_before: datetime, limit: int
    ) -> Sequence[Row[uuid.UUID, int, Decimal]]:
        """(customer_id, order_count, revenue) of the customers whose sales in the range
        earned most, highest first; ties by more orders, then by customer id. One statement,
        over the range of ix_orders_created_at."""
        order_count = func.count().label("order_count")
        revenue = func.sum(Order.total).label("revenue")
        statement = (
            select(Order.customer_id, order_count, revenue)
            .where(
                Order.created_at >= placed_from,
                Order.created_at < placed_before,
                Order.status.in_(SALE_STATUSES),
                or_(
                    Order.status != OrderStatus.PENDING,
                    Order.reservation_expires_at > func.now(),
                ),
            )
            .group_by(Order.customer_id)
            .order_by(revenue.desc(), order_count.desc(), Order.customer_id)
            .limit(limit)
        )
        return (await self.session.execute(statement)).all()
