"""Every query of the ordering domain. Placements in flight (`placing`) are never visible."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from orders.ordering.models import Order, OrderStatus

_IDEMPOTENCY_CONSTRAINT = "uq_orders_customer_id_idempotency_key"


def _visible() -> ColumnElement[bool]:
    return Order.status != OrderStatus.PLACING.value


def _with_details(statement: Select[Order]) -> Select[Order]:
    return statement.options(selectinload(Order.lines), selectinload(Order.history))


async def insert_placement(
    session: AsyncSession,
    *,
    order_id: uuid.UUID,
    number: str,
    customer_id: uuid.UUID,
    idempotency_key: str | None,
    request_fingerprint: str | None,
) -> bool:
    """The order's placeholder; False when the customer already used the Idempotency-Key.

    ON CONFLICT makes a concurrent duplicate wait for the first insert and then step aside,
    instead of failing. Any other unique violation (the order number) raises IntegrityError.
    """
    statement = (
        insert(Order)
        .values(
            id=order_id,
            number=number,
            customer_id=customer_id,
            status=OrderStatus.PLACING.value,
            total=Decimal("0.00"),
            idempotency_key=idempotency_key,
            request_fingerprint=request_fingerprint,
        )
        .on_conflict_do_nothing(constraint=_IDEMPOTENCY_CONSTRAINT)
        .returning(Order.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def find_by_idempotency_key(
    session: AsyncSession, *, customer_id: uuid.UUID, idempotency_key: str
) -> Order | None:
    statement = _with_details(
        select(Order).where(
            Order.customer_id == customer_id, Order.idempotency_key == idempotency_key
        )
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def lock_placement(session: AsyncSession, *, order_id: uuid.UUID) -> Order | None:
    """The placeholder, locked, if it is still placing (the reconciler may have taken it)."""
    statement = (
        select(Order)
        .where(Order.id == order_id, Order.status == OrderStatus.PLACING.value)
        .with_for_update(of=Order)
    )
    order = (await session.execute(statement)).scalar_one_or_none()
    if order is not None:
        # A placeholder has no lines or history: only completing it (under this lock) adds
        # them. Mark both loaded and empty rather than select rows that cannot exist.
        set_committed_value(order, "lines", [])
        set_committed_value(order, "history", [])
    return order


async def claim_stale_placement(
    session: AsyncSession, *, older_than: timedelta
) -> uuid.UUID | None:
    """Lock one placement older than `older_than` that no one else holds.

    SKIP LOCKED lets several replicas reconcile at once without waiting on or repeating each
    other's work, and needs no session state (it works through PgBouncer's transaction mode).
    """
    statement = (
        select(Order.id)
        .where(
            Order.status == OrderStatus.PLACING.value,
            Order.created_at < func.now() - older_than,
        )
        .order_by(Order.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def delete_placement(session: AsyncSession, *, order_id: uuid.UUID) -> None:
    await session.execute(
        delete(Order).where(Order.id == order_id, Order.status == OrderStatus.PLACING.value)
    )


async def get_order(
    session: AsyncSession,
    *,
    order_id: uuid.UUID,
    customer_id: uuid.UUID | None = None,
    for_update: bool = False,
) -> Order | None:
    """A visible order with its lines and history; only the customer's if one is named."""
    statement = select(Order).where(Order.id == order_id, _visible())
    if customer_id is not None:
        statement = statement.where(Order.customer_id == customer_id)
    if for_update:
        statement = statement.with_for_update(of=Order)
    return (await session.execute(_with_details(statement))).scalar_one_or_none()


def _filters(
    *,
    customer_id: uuid.UUID | None,
    status: str | None,
    created_from: datetime | None,
    created_before: datetime | None,
) -> list[ColumnElement[bool]]:
    conditions = [_visible()]
    if customer_id is not None:
        conditions.append(Order.customer_id == customer_id)
    if status is not None:
        conditions.append(Order.status == status)
    if created_from is not None:
        conditions.append(Order.created_at >= created_from)
    if created_before is not None:
        conditions.append(Order.created_at < created_before)
    return conditions


async def list_orders(
    session: AsyncSession,
    *,
    limit: int,
    offset: int,
    customer_id: uuid.UUID | None = None,
    status: str | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> tuple[Sequence[Order], int]:
    """One page, newest first (ties broken by id, so pages are stable), and the total."""
    conditions = _filters(
        customer_id=customer_id,
        status=status,
        created_from=created_from,
        created_before=created_before,
    )
    total = (
        await session.execute(select(func.count()).select_from(Order).where(*conditions))
    ).scalar_one()
    page = (
        await session.execute(
            select(Order)
            .where(*conditions)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(limit)
            .offset(offset)
        )
    ).scalars()
    return page.all(), total


async def totals_by_status(
    session: AsyncSession,
    *,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> dict[str, tuple[int, Decimal]]:
    """status -> (number of orders, sum of their totals)."""
    conditions = _filters(
        customer_id=None, status=None, created_from=created_from, created_before=created_before
    )
    rows: Sequence[Any] = (
        await session.execute(
            select(Order.status, func.count(), func.coalesce(func.sum(Order.total), 0))
            .where(*conditions)
            .group_by(Order.status)
        )
    ).all()
    return {status: (count, Decimal(amount)) for status, count, amount in rows}
