"""Placing orders (a saga across catalog and this database), moving them, reading them.

Placement cannot be one transaction: the catalog call sits between two writes, and its
outcome must survive a crash. So `place_order` does not use the request's session (which
commits only when the endpoint returns): it writes twice on connections of its own, each
write one statement that commits by itself - the placeholder is committed *before* catalog
is asked, so whatever happens next, the reconciler finds it (docs/orders.md has the sequence
and failure table), and no transaction is open while catalog is called. The placeholder's
write also holds the customer to their caps (pending orders, units held).

A placement spends at most one catalog call deadline at catalog, all its calls together: a
release after the reservation gets what is left of it, so the request ends well within the
gateway's timeout and the 503 is orders' own, never the gateway's 504.
"""

import hashlib
import json
import logging
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import get_args

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from orders.catalog_client import errors as catalog_errors
from orders.catalog_client.client import CatalogClient
from orders.catalog_client.schemas import RequestedLine, Reservation, ReservationStatus
from orders.ordering import errors, repository
from orders.ordering.models import (
    HELD_UNITS_CAP_CONSTRAINT,
    ORDER_NUMBER_CONSTRAINT,
    PENDING_ORDERS_CAP_CONSTRAINT,
    Order,
    OrderStatus,
    OrderStatusChange,
)
from orders.ordering.schemas import (
    OrderDetails,
    OrderLineDetails,
    OrderLineRequest,
    OrderStatistics,
    StatusChange,
    VisibleStatus,
)
from service_kit.auth import Principal
from service_kit.database import autocommit_connection, violated_constraint

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest amount a Numeric(12, 2) column holds.
MAX_AMOUNT = Decimal("9999999999.99")
# Unambiguous when read aloud or typed: no 0/O, no 1/I/L. 31^6 = 8.9e8 numbers per day.
_ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_ORDER_NUMBER_LENGTH = 6
_PLACEMENT_OPEN_ATTEMPTS = 3

# The status machine. A customer may only cancel their own pending order; an admin may do
# every move listed here.
NEXT_STATUSES: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def reservation_key(order_id: uuid.UUID) -> str:
    """Catalog's reservation key for an order: every retry of any call uses the same one."""
    return f"order-{order_id}"


def new_order_number(today: datetime) -> str:
    """Human-readable and unique in practice, e.g. SO-20261122-7K3QXW (the index decides)."""
    suffix = "".join(secrets.choice(_ORDER_NUMBER_ALPHABET) for _ in range(_ORDER_NUMBER_LENGTH))
    return f"SO-{today:%Y%m%d}-{suffix}"


def request_fingerprint(lines: Sequence[OrderLineRequest]) -> str:
    """The same lines in any order and any split of a product give the same fingerprint."""
    canonical = sorted((str(line.product_id), line.quantity) for line in lines)
    return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class HoldCaps:
    """What one customer may have open at once (orders placing or pending, and their units)."""

    pending_orders: int
    held_units: int


@dataclass(frozen=True)
class _CatalogBudget:
    """The one call deadline a placement may spend at catalog, all its calls together."""

    started: float
    seconds: float

    @classmethod
    def start(cls, catalog: CatalogClient) -> "_CatalogBudget":
        return cls(started=time.monotonic(), seconds=catalog.deadline_seconds)

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)


@dataclass(frozen=True)
class PlacedOrder:
    order: OrderDetails
    # True when the Idempotency-Key named an order placed before: nothing was done again.
    replayed: bool


@dataclass(frozen=True)
class _Opened:
    number: str
    created_at: datetime


async def place_order(
    *,
    engine: AsyncEngine,
    catalog: CatalogClient,
    customer: Principal,
    lines: Sequence[OrderLineRequest],
    idempotency_key: str | None,
    caps: HoldCaps,
    reservation_ttl_seconds: int,
    retry_after_seconds: int,
) -> PlacedOrder:
    """Reserve the stock for `lines` (merged, one per product) and record the order."""
    order_id = uuid.uuid4()
    fingerprint = request_fingerprint(lines) if idempotency_key is not None else None
    opened = await _open_placement(
        engine=engine,
        order_id=order_id,
        customer_id=customer.user_id,
        units=sum(line.quantity for line in lines),
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        caps=caps,
        retry_after_seconds=retry_after_seconds,
    )
    if isinstance(opened, OrderDetails):
        return PlacedOrder(order=opened, replayed=True)
    budget = _CatalogBudget.start(catalog)
    reservation = await _reserve_stock(
        engine=engine,
        catalog=catalog,
        order_id=order_id,
        lines=lines,
        ttl_seconds=reservation_ttl_seconds,
        retry_after_seconds=retry_after_seconds,
    )
    priced, total = _priced_lines(lines, reservation)
    await _refuse_oversized_order(
        engine=engine, catalog=catalog, order_id=order_id, total=total, budget=budget
    )
    order = await _complete_placement(
        engine=engine,
        catalog=catalog,
        order_id=order_id,
        opened=opened,
        customer=customer,
        lines=priced,
        total=total,
        reservation=reservation,
        budget=budget,
        retry_after_seconds=retry_after_seconds,
    )
    return PlacedOrder(order=order, replayed=False)


async def _open_placement(
    *,
    engine: AsyncEngine,
    order_id: uuid.UUID,
    customer_id: uuid.UUID,
    units: int,
    idempotency_key: str | None,
    fingerprint: str | None,
    caps: HoldCaps,
    retry_after_seconds: int,
) -> _Opened | OrderDetails:
    """Write 1: commit the placeholder; or return the order this key already placed.

    Refused, with nothing stored and catalog not asked, when the customer would go beyond
    one of their caps.
    """
    for _ in range(_PLACEMENT_OPEN_ATTEMPTS):
        number = new_order_number(datetime.now(UTC))
        try:
            async with autocommit_connection(engine) as connection:
                created_at = await repository.insert_placement(
                    connection,
                    order_id=order_id,
                    number=number,
                    customer_id=customer_id,
                    units=units,
                    idempotency_key=idempotency_key,
                    request_fingerprint=fingerprint,
                    pending_orders_cap=caps.pending_orders,
                    held_units_cap=caps.held_units,
                )
                if created_at is not None:
                    return _Opened(number=number, created_at=created_at)
                assert idempotency_key is not None  # only a key can conflict
                earlier = await repository.find_by_idempotency_key(
                    connection, customer_id=customer_id, idempotency_key=idempotency_key
                )
        except IntegrityError as error:
            constraint = violated_constraint(error)
            if constraint == PENDING_ORDERS_CAP_CONSTRAINT:
                raise errors.TooManyPendingOrders(
                    f"A customer may have at most {caps.pending_orders} orders awaiting"
                    " confirmation at once; nothing was ordered. Cancel one, or wait until one"
                    " is confirmed.",
                    limit=caps.pending_orders,
                ) from error
            if constraint == HELD_UNITS_CAP_CONSTRAINT:
                raise errors.HoldLimitExceeded(
                    f"This order's {units} units would take the units held for you beyond"
                    f" {caps.held_units}, the most one customer's pending orders may hold;"
                    " nothing was ordered. Order fewer, or cancel a pending order.",
                    limit=caps.held_units,
                    requested=units,
                ) from error
            if constraint != ORDER_NUMBER_CONSTRAINT:
                raise
            # The random order number is taken (chance: orders that day / 8.9e8): draw again.
            logger.warning("order number collision; drawing another", exc_info=True)
            continue
        if earlier is None:
            continue  # that placement was refused and removed meanwhile: try again
        if earlier.request_fingerprint != fingerprint:
            raise errors.IdempotencyKeyReused(
                "This Idempotency-Key was used for a different order; use a new key."
            )
        if earlier.order is None:
            raise errors.PlacementInProgress(
                "The first request with this Idempotency-Key is still being placed;"
                " repeat it later to get its result.",
                headers={"Retry-After": str(retry_after_seconds)},
            )
        return earlier.order
    raise errors.PlacementInProgress(
        "The order could not be opened; repeat the request.",
        headers={"Retry-After": "1"},
    )


async def _reserve_stock(
    *,
    engine: AsyncEngine,
    catalog: CatalogClient,
    order_id: uuid.UUID,
    lines: Sequence[OrderLineRequest],
    ttl_seconds: int,
    retry_after_seconds: int,
) -> Reservation:
    """Catalog reserves all lines or none. A refusal removes the placeholder at once."""
    requested = [RequestedLine(product_id=it.product_id, quantity=it.quantity) for it in lines]
    try:
        reservation = await catalog.reserve(
            key=reservation_key(order_id), lines=requested, ttl_seconds=ttl_seconds
        )
    except catalog_errors.StockShort as refusal:
        await _discard_placement(engine, order_id)
        raise errors.InsufficientStock(
            "Not enough stock for some lines; nothing was ordered.",
            shortages=[shortage.model_dump(mode="json") for shortage in refusal.shortages],
        ) from refusal
    except catalog_errors.ProductsNotForSale as refusal:
        await _discard_placement(engine, order_id)
        raise errors.ProductUnavailable(
            "Some products do not exist or are not for sale; nothing was ordered.",
            product_ids=[str(product_id) for product_id in refusal.product_ids],
        ) from refusal
    except catalog_errors.CatalogCallFailed as failure:
        # Unknown outcome: the placeholder stays for the reconciler, which releases the key.
        raise _catalog_unavailable(retry_after_seconds) from failure
    if reservation.status != ReservationStatus.HELD or not _reserves_exactly(reservation, lines):
        logger.error(
            "catalog's reservation does not match the order",
            extra={"order_id": str(order_id), "reservation_status": reservation.status},
        )
        raise _catalog_unavailable(retry_after_seconds)
    return reservation


def _priced_lines(
    lines: Sequence[OrderLineRequest], reservation: Reservation
) -> tuple[list[OrderLineDetails], Decimal]:
    """The order's lines at the prices catalog reserved them for, and the order total."""
    reserved = {line.product_id: line for line in reservation.lines}
    priced = []
    for line_number, line in enumerate(lines, start=1):
        snapshot = reserved[line.product_id]
        priced.append(
            OrderLineDetails(
                line_number=line_number,
                product_id=line.product_id,
                sku=snapshot.sku,
                name=snapshot.name,
                unit_price=snapshot.unit_price,
                quantity=line.quantity,
                line_total=(snapshot.unit_price * line.quantity).quantize(CENT),
            )
        )
    return priced, sum((line.line_total for line in priced), ZERO)


async def _refuse_oversized_order(
    *,
    engine: AsyncEngine,
    catalog: CatalogClient,
    order_id: uuid.UUID,
    total: Decimal,
    budget: _CatalogBudget,
) -> None:
    """A total beyond what an order can record (Numeric(12,2)) is refused, stock given back."""
    if total <= MAX_AMOUNT:
        return
    try:
        await catalog.release(key=reservation_key(order_id), within_seconds=budget.remaining())
    except catalog_errors.CatalogCallFailed:
        logger.warning("release failed; the reconciler will retry", exc_info=True)
    else:
        await _discard_placement(engine, order_id)
    raise errors.OrderTooLarge(
        f"The order total would be {total}; an order can total at most {MAX_AMOUNT}."
        " Nothing was ordered; split it into several orders."
    )


def _reserves_exactly(reservation: Reservation, lines: Sequence[OrderLineRequest]) -> bool:
    reserved = sorted((line.product_id, line.quantity) for line in reservation.lines)
    return reserved == sorted((line.product_id, line.quantity) for line in lines)


async def _complete_placement(
    *,
    engine: AsyncEngine,
    catalog: CatalogClient,
    order_id: uuid.UUID,
    opened: _Opened,
    customer: Principal,
    lines: list[OrderLineDetails],
    total: Decimal,
    reservation: Reservation,
    budget: _CatalogBudget,
    retry_after_seconds: int,
) -> OrderDetails:
    """Write 2: snapshot what catalog reserved into the order and make it visible."""
    async with autocommit_connection(engine) as connection:
        completed = await repository.complete_placement(
            connection,
            order_id=order_id,
            total=total,
            reservation_expires_at=reservation.expires_at,
            lines=lines,
            actor_id=customer.user_id,
            actor_role=customer.role,
        )
    if completed is not None:
        updated_at, changed_at = completed
        # Everything the answer needs is known here: nothing is read back.
        return OrderDetails(
            id=order_id,
            number=opened.number,
            customer_id=customer.user_id,
            status="pending",
            total=total,
            created_at=opened.created_at,
            updated_at=updated_at,
            lines=lines,
            history=[
                StatusChange(
                    from_status=None,
                    to_status="pending",
                    changed_at=changed_at,
                    actor_id=customer.user_id,
                    actor_role=customer.role,
                )
            ],
        )
    # The reconciler judged this placement abandoned (it outlived the reconciler's minimum
    # age) and released it; give back what this call may have reserved since, and give up.
    logger.warning("placement was reconciled before it completed", extra={"order_id": order_id})
    try:
        await catalog.release(key=reservation_key(order_id), within_seconds=budget.remaining())
    except catalog_errors.CatalogCallFailed:
        logger.warning("release failed; the hold will expire", exc_info=True)
    raise _catalog_unavailable(retry_after_seconds)


async def _discard_placement(engine: AsyncEngine, order_id: uuid.UUID) -> None:
    async with autocommit_connection(engine) as connection:
        await repository.delete_placement(connection, order_id=order_id)


def _catalog_unavailable(retry_after_seconds: int) -> errors.CatalogUnavailable:
    return errors.CatalogUnavailable(
        "The catalog did not answer in time; no order was placed. Try again later.",
        headers={"Retry-After": str(retry_after_seconds)},
    )


def _step(
    from_status: OrderStatus | None, to_status: OrderStatus, actor: Principal
) -> OrderStatusChange:
    return OrderStatusChange(
        from_status=None if from_status is None else from_status.value,
        to_status=to_status.value,
        actor_id=actor.user_id,
        actor_role=actor.role,
    )


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
    of one order run one after the other. If catalog fails, nothing changes here (503), and
    because commit and release are idempotent a retry is safe.
    """
    order = await repository.get_order(
        session,
        order_id=order_id,
        customer_id=None if actor.is_admin else actor.user_id,
        for_update=True,
    )
    if order is None:
        raise errors.OrderNotFound(f"There is no order {order_id}.")
    current = OrderStatus(order.status)
    if to_status not in NEXT_STATUSES[current]:
        raise errors.IllegalStatusTransition(
            f"Order {order.number} is {current}; it cannot become {to_status}.",
            current_status=current.value,
            requested_status=to_status.value,
        )
    if not actor.is_admin and not (
        current == OrderStatus.PENDING and to_status == OrderStatus.CANCELLED
    ):
        raise errors.IllegalStatusTransition(
            f"Order {order.number} is {current}; a customer can only cancel a pending order.",
            current_status=current.value,
            requested_status=to_status.value,
        )
    await _settle_stock(catalog=catalog, order=order, to_status=to_status)
    order.history.append(_step(current, to_status, actor))
    order.status = to_status.value
    await session.flush()
    if current == OrderStatus.PENDING:
        # Confirmed (sold) or cancelled (released): it no longer holds stock for the customer.
        await repository.free_hold(session, customer_id=order.customer_id, units=order.units)
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


async def get_order(*, engine: AsyncEngine, order_id: uuid.UUID, viewer: Principal) -> OrderDetails:
    """The order, if the viewer owns it or is an admin; otherwise it does not exist.

    One statement, which needs no transaction around it.
    """
    async with autocommit_connection(engine) as connection:
        order = await repository.find_details(
            connection,
            order_id=order_id,
            customer_id=None if viewer.is_admin else viewer.user_id,
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
) -> tuple[Sequence[Order], int]:
    return await repository.list_orders(
        session,
        limit=limit,
        offset=offset,
        customer_id=customer_id,
        status=status,
        created_from=created_from,
        created_before=created_before,
    )


async def order_statistics(
    *,
    session: AsyncSession,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> OrderStatistics:
    by_status = await repository.totals_by_status(
        session, created_from=created_from, created_before=created_before
    )
    counts = {status: by_status.get(status, (0, ZERO))[0] for status in get_args(VisibleStatus)}
    earning = [
        totals for status, totals in by_status.items() if status != OrderStatus.CANCELLED.value
    ]
    revenue = sum((amount for _, amount in earning), ZERO).quantize(CENT)
    earning_count = sum(count for count, _ in earning)
    average = (revenue / earning_count).quantize(CENT, ROUND_HALF_UP) if earning_count else ZERO
    return OrderStatistics(
        order_count=sum(counts.values()),
        orders_by_status=counts,
        revenue=revenue,
        average_order_value=average,
    )
