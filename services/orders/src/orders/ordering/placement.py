"""Placing an order: a saga across catalog and this database.

Placement cannot be one transaction: the catalog call sits between two writes, and its
outcome must survive a crash. So `place_order` does not use the request's session (which
commits only when the endpoint returns): it owns its writes, through the Database, each
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
import math
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from orders.catalog_client import errors as catalog_errors
from orders.catalog_client.client import CatalogClient
from orders.catalog_client.schemas import RequestedLine, Reservation, ReservationStatus
from orders.ordering import errors
from orders.ordering.models import Order, OrderLine, OrderStatus, OrderStatusChange
from orders.ordering.repository import OrderDetailsRow, OrderNumberTaken, OrderRepository
from orders.ordering.schemas import OrderLineRequest, PlaceOrderRequest
from orders.settings import OrdersSettings
from service_kit.auth import Principal
from service_kit.database import Database
from service_kit.money import CENT

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
# The largest amount a Numeric(12, 2) column holds.
MAX_AMOUNT = Decimal("9999999999.99")
# Unambiguous when read aloud or typed: no 0/O, no 1/I/L. 31^6 = 8.9e8 numbers per day.
_ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_ORDER_NUMBER_LENGTH = 6
_PLACEMENT_OPEN_ATTEMPTS = 3


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


def _autocommit(database: Database) -> AsyncSession:
    """A session on which every statement commits by itself: no BEGIN, no COMMIT.

    A write that is one statement is atomic anyway; a transaction around it would only add
    two round trips (this needs PgBouncer's prepared-statement tracking, 1.21+).
    """
    # kit candidate: Database.autocommit(), named for writes as well as reads.
    return database.read_sessionmaker()


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
    """The order placed: as written (nothing is read back), or as an earlier request with
    the same Idempotency-Key placed it."""

    order: Order | OrderDetailsRow
    # True when the Idempotency-Key named an order placed before: nothing was done again.
    replayed: bool


@dataclass(frozen=True)
class _Saga:
    """What every step of one placement works with."""

    database: Database
    catalog: CatalogClient
    settings: OrdersSettings

    @property
    def retry_after_seconds(self) -> int:
        # By then the reconciler has resolved whatever this attempt left behind.
        return math.ceil(
            self.settings.reconciler_min_age_seconds + self.settings.reconciler_interval_seconds
        )


async def place_order(
    *,
    database: Database,
    catalog: CatalogClient,
    settings: OrdersSettings,
    customer: Principal,
    request: PlaceOrderRequest,
    idempotency_key: str | None,
) -> PlacedOrder:
    """Reserve the stock for the request's lines (merged, one per product), record the order."""
    saga = _Saga(database=database, catalog=catalog, settings=settings)
    lines = request.merged_lines()
    # The placeholder until write 2 makes it the order; then it is the answer as written.
    order = Order(
        id=uuid.uuid4(),
        customer_id=customer.user_id,
        status=OrderStatus.PLACING,
        units=sum(line.quantity for line in lines),
        idempotency_key=idempotency_key,
        request_fingerprint=request_fingerprint(lines) if idempotency_key is not None else None,
    )
    earlier = await _open_placement(saga, order)
    if earlier is not None:
        return PlacedOrder(order=earlier, replayed=True)
    budget = _CatalogBudget.start(catalog)
    reservation = await _reserve_stock(saga, order.id, lines)
    _fill_in_reservation(order, lines, reservation, customer)
    await _refuse_oversized_order(saga, order, budget)
    await _complete_placement(saga, order, budget)
    return PlacedOrder(order=order, replayed=False)


async def _open_placement(saga: _Saga, placeholder: Order) -> OrderDetailsRow | None:
    """Write 1: commit the placeholder; or the order this key already placed.

    Refused, with nothing stored and catalog not asked, when the customer would go beyond
    one of their caps.
    """
    settings = saga.settings
    for _ in range(_PLACEMENT_OPEN_ATTEMPTS):
        placeholder.number = new_order_number(datetime.now(UTC))
        async with _autocommit(saga.database) as session:
            orders = OrderRepository(session)
            try:
                if await orders.open_placement(
                    placeholder,
                    pending_orders_cap=settings.max_pending_orders_per_customer,
                    held_units_cap=settings.max_held_units_per_customer,
                ):
                    return None
            except OrderNumberTaken:
                # The random number is taken (chance: orders that day / 8.9e8): draw again.
                logger.warning("order number collision; drawing another")
                continue
            assert placeholder.idempotency_key is not None  # only a key can conflict
            earlier = await orders.find_by_idempotency_key(
                customer_id=placeholder.customer_id, idempotency_key=placeholder.idempotency_key
            )
        if earlier is None:
            continue  # that placement was refused and removed meanwhile: try again
        if earlier.request_fingerprint != placeholder.request_fingerprint:
            raise errors.IdempotencyKeyReused(
                "This Idempotency-Key was used for a different order; use a new key."
            )
        if earlier.order is None:
            raise errors.PlacementInProgress(
                "The first request with this Idempotency-Key is still being placed;"
                " repeat it later to get its result.",
                headers={"Retry-After": str(saga.retry_after_seconds)},
            )
        return earlier.order
    raise errors.PlacementInProgress(
        "The order could not be opened; repeat the request.",
        headers={"Retry-After": "1"},
    )


async def _reserve_stock(
    saga: _Saga, order_id: uuid.UUID, lines: Sequence[OrderLineRequest]
) -> Reservation:
    """Catalog reserves all lines or none. A refusal removes the placeholder at once."""
    requested = [RequestedLine(product_id=it.product_id, quantity=it.quantity) for it in lines]
    try:
        reservation = await saga.catalog.reserve(
            key=reservation_key(order_id),
            lines=requested,
            ttl_seconds=saga.settings.reservation_ttl_seconds,
        )
    except catalog_errors.StockShort as refusal:
        await _discard_placement(saga, order_id)
        raise errors.InsufficientStock(
            "Not enough stock for some lines; nothing was ordered.",
            shortages=[shortage.model_dump(mode="json") for shortage in refusal.shortages],
        ) from refusal
    except catalog_errors.ProductsNotForSale as refusal:
        await _discard_placement(saga, order_id)
        raise errors.ProductUnavailable(
            "Some products do not exist or are not for sale; nothing was ordered.",
            product_ids=[str(product_id) for product_id in refusal.product_ids],
        ) from refusal
    except catalog_errors.CatalogCallFailed as failure:
        # Unknown outcome: the placeholder stays for the reconciler, which releases the key.
        raise _catalog_unavailable(saga) from failure
    if reservation.status != ReservationStatus.HELD or not _reserves_exactly(reservation, lines):
        logger.error(
            "catalog's reservation does not match the order",
            extra={"order_id": str(order_id), "reservation_status": reservation.status},
        )
        raise _catalog_unavailable(saga)
    return reservation


def _reserves_exactly(reservation: Reservation, lines: Sequence[OrderLineRequest]) -> bool:
    reserved = sorted((line.product_id, line.quantity) for line in reservation.lines)
    return reserved == sorted((line.product_id, line.quantity) for line in lines)


def _fill_in_reservation(
    order: Order,
    lines: Sequence[OrderLineRequest],
    reservation: Reservation,
    customer: Principal,
) -> None:
    """What write 2 records: the lines at the prices catalog reserved them for, the total,
    the end of the hold and the first step of history."""
    reserved = {line.product_id: line for line in reservation.lines}
    priced = []
    for line_number, line in enumerate(lines, start=1):
        snapshot = reserved[line.product_id]
        priced.append(
            OrderLine(
                line_number=line_number,
                product_id=line.product_id,
                sku=snapshot.sku,
                name=snapshot.name,
                unit_price=snapshot.unit_price,
                quantity=line.quantity,
                line_total=(snapshot.unit_price * line.quantity).quantize(CENT),
            )
        )
    order.lines = priced
    order.total = sum((line.line_total for line in priced), ZERO)
    order.reservation_expires_at = reservation.expires_at
    order.history = [
        OrderStatusChange(
            from_status=None,
            to_status=OrderStatus.PENDING,
            actor_id=customer.user_id,
            actor_role=customer.role,
        )
    ]


async def _refuse_oversized_order(saga: _Saga, order: Order, budget: _CatalogBudget) -> None:
    """A total beyond what an order can record (Numeric(12,2)) is refused, stock given back."""
    if order.total <= MAX_AMOUNT:
        return
    try:
        await saga.catalog.release(key=reservation_key(order.id), within_seconds=budget.remaining())
    except catalog_errors.CatalogCallFailed:
        logger.warning("release failed; the reconciler will retry", exc_info=True)
    else:
        await _discard_placement(saga, order.id)
    raise errors.OrderTooLarge(
        f"The order total would be {order.total}; an order can total at most {MAX_AMOUNT}."
        " Nothing was ordered; split it into several orders."
    )


async def _complete_placement(saga: _Saga, order: Order, budget: _CatalogBudget) -> None:
    """Write 2: snapshot what catalog reserved into the order and make it visible."""
    async with _autocommit(saga.database) as session:
        completed = await OrderRepository(session).complete_placement(order)
    if completed:
        # Everything the answer needs is known here: nothing is read back.
        order.status = OrderStatus.PENDING
        return
    # The reconciler judged this placement abandoned (it outlived the reconciler's minimum
    # age) and released it; give back what this call may have reserved since, and give up.
    logger.warning("placement was reconciled before it completed", extra={"order_id": order.id})
    try:
        await saga.catalog.release(key=reservation_key(order.id), within_seconds=budget.remaining())
    except catalog_errors.CatalogCallFailed:
        logger.warning("release failed; the hold will expire", exc_info=True)
    raise _catalog_unavailable(saga)


async def _discard_placement(saga: _Saga, order_id: uuid.UUID) -> None:
    async with _autocommit(saga.database) as session:
        await OrderRepository(session).discard_placement(order_id)


def _catalog_unavailable(saga: _Saga) -> errors.CatalogUnavailable:
    return errors.CatalogUnavailable(
        "The catalog did not answer in time; no order was placed. Try again later.",
        headers={"Retry-After": str(saga.retry_after_seconds)},
    )
