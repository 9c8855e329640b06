"""Every query of the ordering domain. Placements in flight (`placing`) are never visible.

The hot paths - opening and completing a placement, reading one order - are single
statements in SQL on a plain connection: no ORM unit of work, no identity map, no statement
built per request, and each of them atomic by itself, so it runs without BEGIN/COMMIT
(`autocommit_connection`). Everything else uses the ORM in the request's transaction.
"""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import selectinload

from orders.ordering.models import CustomerHolds, Order, OrderStatus
from orders.ordering.schemas import OrderDetails, OrderLineDetails


def _visible() -> ColumnElement[bool]:
    return Order.status != OrderStatus.PLACING.value


def _with_details(statement: Select[Order]) -> Select[Order]:
    return statement.options(selectinload(Order.lines), selectinload(Order.history))


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


# Removing a placement gives its order and units back to the customer's holds, in the same
# statement: the counts never disagree with the orders, whatever fails in between.
_DELETE_PLACEMENT = text(
    """
    WITH gone AS (
        DELETE FROM orders.orders WHERE id = :order_id AND status = 'placing'
        RETURNING customer_id, units
    )
    UPDATE orders.customer_holds AS h
    SET pending_orders = h.pending_orders - 1, held_units = h.held_units - gone.units
    FROM gone
    WHERE h.customer_id = gone.customer_id
    """
)


async def delete_placement(
    executor: AsyncSession | AsyncConnection, *, order_id: uuid.UUID
) -> None:
    """Remove a placement still in flight (a no-op for any other order) and free its hold."""
    await executor.execute(_DELETE_PLACEMENT, {"order_id": order_id})


async def free_hold(session: AsyncSession, *, customer_id: uuid.UUID, units: int) -> None:
    """A pending order of the customer's was confirmed or cancelled: it holds nothing now."""
    await session.execute(
        update(CustomerHolds)
        .where(CustomerHolds.customer_id == customer_id)
        .values(
            pending_orders=CustomerHolds.pending_orders - 1,
            held_units=CustomerHolds.held_units - units,
        )
    )


async def claim_expired_order(session: AsyncSession) -> uuid.UUID | None:
    """Lock one pending order whose stock hold has run out and that no one else holds.

    SKIP LOCKED, as for placements: replicas share the work, and an order a customer or an
    admin is moving right now is left to them.
    """
    statement = (
        select(Order.id)
        .where(
            Order.status == OrderStatus.PENDING.value,
            Order.reservation_expires_at <= func.now(),
        )
        .order_by(Order.reservation_expires_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


# Cancelling an order whose hold expired: the status, its step of history and the customer's
# holds, in one statement.
_CANCEL_EXPIRED = text(
    """
    WITH cancelled AS (
        UPDATE orders.orders SET status = 'cancelled', updated_at = now()
        WHERE id = :order_id AND status = 'pending'
        RETURNING id, customer_id, units
    ),
    step AS (
        INSERT INTO orders.order_status_changes (order_id, from_status, to_status, actor_id,
                                                 actor_role)
        SELECT cancelled.id, 'pending', 'cancelled', CAST(:actor_id AS uuid),
               CAST(:actor_role AS varchar)
        FROM cancelled
    ),
    freed AS (
        UPDATE orders.customer_holds AS h
        SET pending_orders = h.pending_orders - 1, held_units = h.held_units - cancelled.units
        FROM cancelled
        WHERE h.customer_id = cancelled.customer_id
    )
    SELECT count(*) FROM cancelled
    """
)


async def cancel_expired_order(
    session: AsyncSession, *, order_id: uuid.UUID, actor_id: uuid.UUID, actor_role: str
) -> bool:
    """Cancel a pending order on behalf of `actor`; False if it is no longer pending."""
    cancelled: int = (
        await session.execute(
            _CANCEL_EXPIRED,
            {"order_id": order_id, "actor_id": actor_id, "actor_role": actor_role},
        )
    ).scalar_one()
    return cancelled == 1


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
    """status -> (number of orders, sum of their totals).

    A pending order whose stock hold has run out counts as what the expiry sweep is about
    to make it, cancelled: its stock is back on sale, so it is no sale.
    """
    conditions = _filters(
        customer_id=None, status=None, created_from=created_from, created_before=created_before
    )
    status = case(
        (
            and_(
                Order.status == OrderStatus.PENDING.value,
                Order.reservation_expires_at <= func.now(),
            ),
            OrderStatus.CANCELLED.value,
        ),
        else_=Order.status,
    )
    rows: Sequence[Any] = (
        await session.execute(
            select(status, func.count(), func.coalesce(func.sum(Order.total), 0))
            .where(*conditions)
            .group_by(status)
        )
    ).all()
    return {status: (count, Decimal(amount)) for status, count, amount in rows}


# ON CONFLICT makes a concurrent duplicate (same customer, same Idempotency-Key) wait for the
# first insert and then step aside instead of failing; any other unique violation (the order
# number) raises IntegrityError.
#
# The same statement counts the placement against the customer's holds - only if it inserted
# anything, so a replay counts nothing - and writes the caps in force. The upsert queues
# concurrent placements of one customer on their row, each adding to the counts its
# predecessor committed; one that would exceed a cap violates that cap's check constraint,
# which undoes the whole statement, placeholder included (IntegrityError naming it).
_OPEN_PLACEMENT = text(
    """
    WITH placement AS (
        INSERT INTO orders.orders
            (id, number, customer_id, status, total, units, idempotency_key,
             request_fingerprint)
        VALUES (:order_id, :number, :customer_id, 'placing', 0, :units, :idempotency_key,
                :fingerprint)
        ON CONFLICT ON CONSTRAINT uq_orders_customer_id_idempotency_key DO NOTHING
        RETURNING customer_id, units, created_at
    ),
    held AS (
        INSERT INTO orders.customer_holds AS h
            (customer_id, pending_orders, held_units, pending_orders_cap, held_units_cap)
        SELECT customer_id, 1, units, CAST(:pending_orders_cap AS integer),
               CAST(:held_units_cap AS integer)
        FROM placement
        ON CONFLICT (customer_id) DO UPDATE
        SET pending_orders = h.pending_orders + 1,
            held_units = h.held_units + excluded.held_units,
            pending_orders_cap = excluded.pending_orders_cap,
            held_units_cap = excluded.held_units_cap
    )
    SELECT created_at FROM placement
    """
)

# Completing is one statement: the placeholder becomes the order (only while it is still
# `placing`: a reconciler that holds it is waited for, and one that deleted it leaves nothing
# to update, so nothing below happens), its lines go in at once and its first step of
# history with them. The lines travel as one JSON parameter (amounts as strings, so exact),
# not as arrays: asyncpg introspects array types with three extra queries on every new
# connection (with NullPool: on every request), JSON it knows.
_COMPLETE_PLACEMENT = text(
    """
    WITH placed AS (
        UPDATE orders.orders
        SET status = 'pending', total = :total, reservation_expires_at = :expires_at,
            updated_at = now()
        WHERE id = :order_id AND status = 'placing'
        RETURNING id, updated_at
    ),
    lines AS (
        INSERT INTO orders.order_lines
            (id, order_id, line_number, product_id, sku, name, unit_price, quantity, line_total)
        SELECT gen_random_uuid(), placed.id, l.line_number, l.product_id, l.sku, l.name,
               l.unit_price, l.quantity, l.line_total
        FROM placed, json_to_recordset(CAST(:lines AS json)) AS l(
            line_number integer, product_id uuid, sku varchar, name varchar,
            unit_price numeric, quantity integer, line_total numeric
        )
    ),
    step AS (
        INSERT INTO orders.order_status_changes (order_id, from_status, to_status, actor_id,
                                                 actor_role)
        SELECT placed.id, NULL, 'pending', CAST(:actor_id AS uuid), CAST(:actor_role AS varchar)
        FROM placed
        RETURNING changed_at
    )
    SELECT placed.updated_at, step.changed_at FROM placed, step
    """
)

# One order with its lines and history, in one statement and only the columns the answer
# needs. Lines and steps come as JSON (amounts as text, so exact; times in UTC, so the answer
# does not depend on the session's time zone): asyncpg knows JSON, while arrays or rows would
# cost three type-introspection queries on every new connection.
_DETAILS = """
    SELECT o.id, o.number, o.customer_id, o.status, o.total, o.created_at, o.updated_at,
           (SELECT coalesce(json_agg(json_build_object(
                       'line_number', l.line_number, 'product_id', l.product_id,
                       'sku', l.sku, 'name', l.name, 'unit_price', l.unit_price::text,
                       'quantity', l.quantity, 'line_total', l.line_total::text)
                   ORDER BY l.line_number), '[]')
            FROM orders.order_lines AS l WHERE l.order_id = o.id) AS lines,
           (SELECT coalesce(json_agg(json_build_object(
                       'from_status', h.from_status, 'to_status', h.to_status,
                       'changed_at', to_char(h.changed_at AT TIME ZONE 'UTC',
                                             'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                       'actor_id', h.actor_id, 'actor_role', h.actor_role)
                   ORDER BY h.id), '[]')
            FROM orders.order_status_changes AS h WHERE h.order_id = o.id) AS history
    FROM orders.orders AS o
"""
_VISIBLE_ORDER = text(_DETAILS + " WHERE o.id = :order_id AND o.status <> 'placing'")
_VISIBLE_ORDER_OF_CUSTOMER = text(
    _DETAILS + " WHERE o.id = :order_id AND o.customer_id = :customer_id AND o.status <> 'placing'"
)
_ORDER_BY_IDEMPOTENCY_KEY = text(
    _DETAILS.replace("SELECT o.id,", "SELECT o.request_fingerprint, o.id,", 1)
    + " WHERE o.customer_id = :customer_id AND o.idempotency_key = :idempotency_key"
)


async def insert_placement(
    connection: AsyncConnection,
    *,
    order_id: uuid.UUID,
    number: str,
    customer_id: uuid.UUID,
    units: int,
    idempotency_key: str | None,
    request_fingerprint: str | None,
    pending_orders_cap: int,
    held_units_cap: int,
) -> datetime | None:
    """The order's placeholder (its creation time); None if the customer used the key before.

    Raises IntegrityError naming PENDING_ORDERS_CAP_CONSTRAINT or HELD_UNITS_CAP_CONSTRAINT
    when the placement would take the customer beyond a cap (nothing is stored then).
    """
    created_at: datetime | None = (
        await connection.execute(
            _OPEN_PLACEMENT,
            {
                "order_id": order_id,
                "number": number,
                "customer_id": customer_id,
                "units": units,
                "idempotency_key": idempotency_key,
                "fingerprint": request_fingerprint,
                "pending_orders_cap": pending_orders_cap,
                "held_units_cap": held_units_cap,
            },
        )
    ).scalar_one_or_none()
    return created_at


async def complete_placement(
    connection: AsyncConnection,
    *,
    order_id: uuid.UUID,
    total: Decimal,
    reservation_expires_at: datetime,
    lines: Sequence[OrderLineDetails],
    actor_id: uuid.UUID,
    actor_role: str,
) -> tuple[datetime, datetime] | None:
    """(updated_at, changed_at) of the completed order; None if it is no longer placing."""
    row = (
        await connection.execute(
            _COMPLETE_PLACEMENT,
            {
                "order_id": order_id,
                "total": total,
                "expires_at": reservation_expires_at,
                "lines": json.dumps(
                    [
                        {
                            "line_number": line.line_number,
                            "product_id": str(line.product_id),
                            "sku": line.sku,
                            "name": line.name,
                            "unit_price": str(line.unit_price),
                            "quantity": line.quantity,
                            "line_total": str(line.line_total),
                        }
                        for line in lines
                    ]
                ),
                "actor_id": actor_id,
                "actor_role": actor_role,
            },
        )
    ).one_or_none()
    return None if row is None else (row.updated_at, row.changed_at)


async def find_details(
    connection: AsyncConnection, *, order_id: uuid.UUID, customer_id: uuid.UUID | None = None
) -> OrderDetails | None:
    """A visible order with its lines and history; only the customer's if one is named."""
    if customer_id is None:
        result = await connection.execute(_VISIBLE_ORDER, {"order_id": order_id})
    else:
        result = await connection.execute(
            _VISIBLE_ORDER_OF_CUSTOMER, {"order_id": order_id, "customer_id": customer_id}
        )
    row = result.one_or_none()
    return None if row is None else _details(row)


@dataclass(frozen=True)
class EarlierPlacement:
    request_fingerprint: str | None
    # None while it is still placing (nothing of it is visible yet).
    order: OrderDetails | None


async def find_by_idempotency_key(
    connection: AsyncConnection, *, customer_id: uuid.UUID, idempotency_key: str
) -> EarlierPlacement | None:
    row = (
        await connection.execute(
            _ORDER_BY_IDEMPOTENCY_KEY,
            {"customer_id": customer_id, "idempotency_key": idempotency_key},
        )
    ).one_or_none()
    if row is None:
        return None
    placing = row.status == OrderStatus.PLACING.value
    return EarlierPlacement(
        request_fingerprint=row.request_fingerprint, order=None if placing else _details(row)
    )


def _details(row: Row[Any]) -> OrderDetails:
    return OrderDetails.model_validate(
        {
            "id": row.id,
            "number": row.number,
            "customer_id": row.customer_id,
            "status": row.status,
            "total": row.total,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "lines": row.lines,
            "history": row.history,
        }
    )
