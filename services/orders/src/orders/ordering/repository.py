"""Every query of the ordering domain. Placements in flight (`placing`) are never visible.

The hot paths - opening and completing a placement, reading one order - are single
prebuilt SQL statements: no ORM unit of work, no identity map, no statement built per
request, and each of them atomic by itself, so they run on an autocommit session without
BEGIN/COMMIT (placement.py, `ReadSessionDep`). Everything else uses the ORM in the
request's transaction or a job's (`Database.transaction()`).

The customer's holds (`customer_holds`) are kept in step with the orders by the very
statements that move an order into or out of `placing`/`pending`, so they are written here.
"""

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, and_, case, func, select, text, type_coerce, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from orders.ordering.errors import HoldLimitExceeded, TooManyPendingOrders
from orders.ordering.models import (
    HELD_UNITS_CAP_CONSTRAINT,
    ORDER_NUMBER_CONSTRAINT,
    PENDING_ORDERS_CAP_CONSTRAINT,
    CustomerHolds,
    Order,
    OrderStatus,
)
from service_kit.database import violated_constraint
from service_kit.pagination import PageOfRows
from service_kit.repository import Repository

# An order with its lines and history as plain values, as the hot paths read or write it:
# FastAPI validates it as `OrderDetails`, as it would an ORM row, without the ORM's
# bookkeeping per attribute (an ORM Order with its lines, built for each placement's
# answer, cost 0.4 ms of CPU more than these, measured).
OrderDetailsValues = Mapping[Any, Any]  # by column name (a RowMapping also takes columns)


class LineValues(TypedDict):
    """One line as the placement writes it and answers with it."""

    line_number: int
    product_id: uuid.UUID
    sku: str
    name: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


class OrderNumberTaken(Exception):
    """The order number drawn for a placement is another order's: draw another.

    A signal to the placement, never an answer: nothing was stored.
    """


@dataclass(frozen=True)
class EarlierPlacement:
    """What a customer's Idempotency-Key names: the request it came with, and its order."""

    request_fingerprint: str | None
    # None while it is still placing (nothing of it is visible yet).
    order: OrderDetailsValues | None


def _visible() -> ColumnElement[bool]:
    return Order.status != OrderStatus.PLACING


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
# to update, so nothing below happens), its lines go in at once, its first step of history
# with them, and the customer's "order placed" email into the outbox (notifications/), so the
# email exists exactly when the order does. The lines travel as one JSON parameter (amounts
# as strings, so exact), not as arrays: asyncpg introspects array types with three extra
# queries on every new connection (with NullPool: on every request), JSON it knows.
_COMPLETE_PLACEMENT = text(
    """
    WITH placed AS (
        UPDATE orders.orders
        SET status = 'pending', total = :total, reservation_expires_at = :expires_at,
            updated_at = now()
        WHERE id = :order_id AND status = 'placing'
        RETURNING id, customer_id, updated_at
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
    ),
    email AS (
        INSERT INTO orders.order_notifications (id, order_id, customer_id, event)
        SELECT gen_random_uuid(), placed.id, placed.customer_id, 'placed' FROM placed
    )
    SELECT placed.updated_at, step.changed_at FROM placed, step
    """
)

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

# Cancelling an order whose hold expired: the status, its step of history, the customer's
# holds and the "order cancelled" email (into the outbox), in one statement.
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
    ),
    email AS (
        INSERT INTO orders.order_notifications (id, order_id, customer_id, event)
        SELECT gen_random_uuid(), cancelled.id, cancelled.customer_id, 'cancelled'
        FROM cancelled
    )
    SELECT count(*) FROM cancelled
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


class OrderRepository(Repository[Order]):
    """Orders with their lines and history, and the customer's holds they count against.

    No `constraint_problems`: nothing here flushes a constraint a request can violate. The
    placement's writes are prebuilt statements, and `open_placement` names their problems.
    """

    model = Order

    # --- The placement saga (autocommit: each statement commits by itself) --------------

    async def open_placement(
        self,
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
        """Write 1: store the placeholder (`placing`) and count it against the customer's
        holds; its creation time. None, with nothing stored, when the customer used the
        Idempotency-Key before.

        Beyond a cap it raises TooManyPendingOrders or HoldLimitExceeded (nothing stored);
        when the number is another order's, OrderNumberTaken (draw another and try again).
        """
        try:
            created_at: datetime | None = (
                await self.session.execute(
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
        except IntegrityError as error:
            constraint = violated_constraint(error)
            # `from None`: the chained database error carries the row into every log line.
            if constraint == PENDING_ORDERS_CAP_CONSTRAINT:
                raise TooManyPendingOrders(
                    f"A customer may have at most {pending_orders_cap} orders awaiting"
                    " confirmation at once; nothing was ordered. Cancel one, or wait until one"
                    " is confirmed.",
                    limit=pending_orders_cap,
                ) from None
            if constraint == HELD_UNITS_CAP_CONSTRAINT:
                raise HoldLimitExceeded(
                    f"This order's {units} units would take the units held for you beyond"
                    f" {held_units_cap}, the most one customer's pending orders may hold;"
                    " nothing was ordered. Order fewer, or cancel a pending order.",
                    limit=held_units_cap,
                    requested=units,
                ) from None
            if constraint == ORDER_NUMBER_CONSTRAINT:
                raise OrderNumberTaken(number) from None
            raise
        return created_at

    async def complete_placement(
        self,
        *,
        order_id: uuid.UUID,
        total: Decimal,
        reservation_expires_at: datetime,
        lines: Sequence[LineValues],
        actor_id: uuid.UUID,
        actor_role: str,
    ) -> tuple[datetime, datetime] | None:
        """Write 2: the placeholder becomes the order - pending, its total, its lines, its
        first step of history - in one statement; (updated_at, the step's changed_at).
        None, with nothing written, if it is no longer placing."""
        row = (
            await self.session.execute(
                _COMPLETE_PLACEMENT,
                {
                    "order_id": order_id,
                    "total": total,
                    "expires_at": reservation_expires_at,
                    "lines": json.dumps(
                        [
                            {
                                "line_number": line["line_number"],
                                "product_id": str(line["product_id"]),
                                "sku": line["sku"],
                                "name": line["name"],
                                "unit_price": str(line["unit_price"]),
                                "quantity": line["quantity"],
                                "line_total": str(line["line_total"]),
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

    async def discard_placement(self, order_id: uuid.UUID) -> None:
        """Remove a placement still in flight (a no-op for any other order) and free its hold."""
        await self.session.execute(_DELETE_PLACEMENT, {"order_id": order_id})

    async def find_by_idempotency_key(
        self, *, customer_id: uuid.UUID, idempotency_key: str
    ) -> EarlierPlacement | None:
        row = (
            (
                await self.session.execute(
                    _ORDER_BY_IDEMPOTENCY_KEY,
                    {"customer_id": customer_id, "idempotency_key": idempotency_key},
                )
            )
            .mappings()
            .one_or_none()
        )
        if row is None:
            return None
        placing = row["status"] == OrderStatus.PLACING
        return EarlierPlacement(
            request_fingerprint=row["request_fingerprint"], order=None if placing else row
        )

    # --- Reads ----------------------------------------------------------------------------

    async def find_details(
        self, order_id: uuid.UUID, *, customer_id: uuid.UUID | None = None
    ) -> OrderDetailsValues | None:
        """A visible order with its lines and history, in one statement; only the
        customer's if one is named."""
        if customer_id is None:
            result = await self.session.execute(_VISIBLE_ORDER, {"order_id": order_id})
        else:
            result = await self.session.execute(
                _VISIBLE_ORDER_OF_CUSTOMER, {"order_id": order_id, "customer_id": customer_id}
            )
        return result.mappings().one_or_none()

    async def lock_for_move(
        self, order_id: uuid.UUID, *, customer_id: uuid.UUID | None = None
    ) -> Order | None:
        """A visible order with its lines and history, locked (FOR UPDATE) until the
        transaction ends, so that moves of one order run one after the other; only the
        customer's if one is named."""
        statement = (
            select(Order)
            .where(Order.id == order_id, _visible())
            .with_for_update(of=Order)
            .options(selectinload(Order.lines), selectinload(Order.history))
        )
        if customer_id is not None:
            statement = statement.where(Order.customer_id == customer_id)
        order: Order | None = (await self.session.execute(statement)).scalar_one_or_none()
        return order

    async def page(
        self,
        *,
        limit: int,
        offset: int,
        customer_id: uuid.UUID | None = None,
        status: OrderStatus | None = None,
        created_from: datetime | None = None,
        created_before: datetime | None = None,
    ) -> PageOfRows[Order]:
        """One page, newest first (ties broken by id, so pages are stable), and the total."""
        conditions = _filters(
            customer_id=customer_id,
            status=status,
            created_from=created_from,
            created_before=created_before,
        )
        return await self.paginate(
            select(Order).where(*conditions).order_by(Order.created_at.desc(), Order.id.desc()),
            limit=limit,
            offset=offset,
        )

    async def totals_by_status(
        self, *, created_from: datetime | None = None, created_before: datetime | None = None
    ) -> dict[OrderStatus, tuple[int, Decimal]]:
        """status -> (number of orders, sum of their totals).

        A pending order whose stock hold has run out counts as what the expiry sweep is about
        to make it, cancelled: its stock is back on sale, so it is no sale.
        """
        conditions = _filters(
            customer_id=None, status=None, created_from=created_from, created_before=created_before
        )
        status = type_coerce(
            case(
                (
                    and_(
                        Order.status == OrderStatus.PENDING,
                        Order.reservation_expires_at <= func.now(),
                    ),
                    OrderStatus.CANCELLED,
                ),
                else_=Order.status,
            ),
            Order.status.type,
        )
        rows: Sequence[Any] = (
            await self.session.execute(
                select(status, func.count(), func.coalesce(func.sum(Order.total), 0))
                .where(*conditions)
                .group_by(status)
            )
        ).all()
        return {status: (count, Decimal(amount)) for status, count, amount in rows}

    # --- Moves ----------------------------------------------------------------------------

    async def free_hold(self, order: Order) -> None:
        """A pending order was confirmed or cancelled: it holds nothing of its customer's now."""
        await self.session.execute(
            update(CustomerHolds)
            .where(CustomerHolds.customer_id == order.customer_id)
            .values(
                pending_orders=CustomerHolds.pending_orders - 1,
                held_units=CustomerHolds.held_units - order.units,
            )
        )

    # --- Recovery (one job round's transaction) -------------------------------------------

    async def claim_stale_placement(self, *, older_than: timedelta) -> uuid.UUID | None:
        """Lock one placement older than `older_than` that no one else holds.

        SKIP LOCKED lets several replicas reconcile at once without waiting on or repeating
        each other's work, and needs no session state (it works through PgBouncer's
        transaction mode).
        """
        statement = (
            select(Order.id)
            .where(
                Order.status == OrderStatus.PLACING,
                Order.created_at < func.now() - older_than,
            )
            .order_by(Order.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def claim_expired_order(self) -> uuid.UUID | None:
        """Lock one pending order whose stock hold has run out and that no one else holds.

        SKIP LOCKED, as for placements: replicas share the work, and an order a customer or an
        admin is moving right now is left to them.
        """
        statement = (
            select(Order.id)
            .where(
                Order.status == OrderStatus.PENDING,
                Order.reservation_expires_at <= func.now(),
            )
            .order_by(Order.reservation_expires_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def cancel_expired_order(
        self, order_id: uuid.UUID, *, actor_id: uuid.UUID, actor_role: str
    ) -> bool:
        """Cancel a pending order on behalf of `actor`, freeing its hold; False if it is no
        longer pending."""
        cancelled: int = (
            await self.session.execute(
                _CANCEL_EXPIRED,
                {"order_id": order_id, "actor_id": actor_id, "actor_role": actor_role},
            )
        ).scalar_one()
        return cancelled == 1


def _filters(
    *,
    customer_id: uuid.UUID | None,
    status: OrderStatus | None,
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
