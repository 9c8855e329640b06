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

from orders.catalog_client import errors as catalog_errors
from orders.catalog_client.client import CatalogClient
from orders.catalog_client.schemas import RequestedLine, Reservation, ReservationStatus
from orders.ordering import errors
from orders.ordering.models import OrderStatus
from orders.ordering.repository import (
    LineValues,
    OrderDetailsValues,
    OrderNumberTaken,
    OrderRepository,
)
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
    the same Idempotency-Key placed it, as it is now. Plain values, for speed: the router
    validates them as OrderDetails (the hot-path exception to "ORM rows out")."""

    order: OrderDetailsValues
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
    order_id = uuid.uuid4()
    opened = await _open_placement(
        saga,
        order_id=order_id,
        customer_id=customer.user_id,
        units=sum(line.quantity for line in lines),
        idempotency_key=idempotency_key,
        fingerprint=request_fingerprint(lines) if idempotency_key is not None else None,
    )
    if not isinstance(opened, _Opened):
        return PlacedOrder(order=opened, replayed=True)
    budget = _CatalogBudget.start(catalog)
    reservation = await _reserve_stock(saga, order_id, lines)
    priced, total = _priced_lines(lines, reservation)
    await _refuse_oversized_order(saga, order_id, total, budget)
    order = await _complete_placement(
        saga,
        order_id=order_id,
        opened=opened,
        customer=customer,
        lines=priced,
        total=total,
        reservation=reservation,
        budget=budget,
    )
    return PlacedOrder(order=order, replayed=False)


@dataclass(frozen=True)
class _Opened:
    """The placeholder write 1 committed."""

    number: str
    created_at: datetime


async def _open_placement(
    saga: _Saga,
    *,
    order_id: uuid.UUID,
    customer_id: uuid.UUID,
    units: int,
    idempotency_key: str | None,
    fingerprint: str | None,
) -> _Opened | OrderDetailsValues:
    """Write 1: commit the placeholder; or the order this key already placed.

    Refused, with nothing stored and catalog not asked, when the customer would go beyond
    one of their caps.
    """
    settings = saga.settings
    for _ in range(_PLACEMENT_OPEN_ATTEMPTS):
        number = new_order_number(datetime.now(UTC))
        async with saga.database.autocommit() as session:
            orders = OrderRepository(session)
            try:
                created_at = await orders.open_placement(
                    order_id=order_id,
                    number=number,
                    customer_id=customer_id,
                    units=units,
                    idempotency_key=idempotency_key,
                    request_fingerprint=fingerprint,
                    pending_orders_cap=settings.max_pending_orders_per_customer,
                    held_units_cap=settings.max_held_units_per_customer,
                )
            except OrderNumberTaken:
                # The random number is taken (chance: orders that day / 8.9e8): draw again.
                logger.warning("order number collision; drawing another")
                continue
            if created_at is not None:
                return _Opened(number=number, created_at=created_at)
            assert idempotency_key is not None  # only a key can conflict
            earlier = await orders.find_by_idempotency_key(
                customer_id=customer_id, idempotency_key=idempotency_key
            )
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


def _priced_lines(
    lines: Sequence[OrderLineRequest], reservation: Reservation
) -> tuple[list[LineValues], Decimal]:
    """The order's lines at the prices catalog reserved them for, and the order total."""
    reserved = {line.product_id: line for line in reservation.lines}
    priced: list[LineValues] = []
    for line_number, line in enumerate(lines, start=1):
        snapshot = reserved[line.product_id]
        priced.append(
            {
                "line_number": line_number,
                "product_id": line.product_id,
                "sku": snapshot.sku,
                "name": snapshot.name,
                "unit_price": snapshot.unit_price,
                "quantity": line.quantity,
                "line_total": (snapshot.unit_price * line.quantity).quantize(CENT),
            }
        )
    return priced, sum((line["line_total"] for line in priced), ZERO)


async def _refuse_oversized_order(
    saga: _Saga, order_id: uuid.UUID, total: Decimal, budget: _CatalogBudget
) -> None:
    """A total beyond what an order can record (Numeric(12,2)) is refused, stock given back."""
    if total <= MAX_AMOUNT:
        return
    try:
        await saga.catalog.release(key=reservation_key(order_id), within_seconds=budget.remaining())
    except catalog_errors.CatalogCallFailed:
        logger.warning("release failed; the reconciler will retry", exc_info=True)
    else:
        await _discard_placement(saga, order_id)
    raise errors.OrderTooLarge(
        f"The order total would be {total}; an order can total at most {MAX_AMOUNT}."
        " Nothing was ordered; split it into several orders."
    )


async def _complete_placement(
    saga: _Saga,
    *,
    order_id: uuid.UUID,
    opened: _Opened,
    customer: Principal,
    lines: list[LineValues],
    total: Decimal,
    reservation: Reservation,
    budget: _CatalogBudget,
) -> OrderDetailsValues:
    """Write 2: snapshot what catalog reserved into the order and make it visible."""
    async with saga.database.autocommit() as session:
        completed = await OrderRepository(session).complete_placement(
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
        return {
            "id": order_id,
            "number": opened.number,
            "customer_id": customer.user_id,
            "status": OrderStatus.PENDING,
            "total": total,
            "created_at": opened.created_at,
            "updated_at": updated_at,
            "lines": lines,
            "history": [
                {
                    "from_status": None,
                    "to_status": OrderStatus.PENDING,
                    "changed_at": changed_at,
                    "actor_id": customer.user_id,
                    "actor_role": customer.role,
                }
            ],
        }
    # The reconciler judged this placement abandoned (it outlived the reconciler's minimum
    # age) and released it; give back what this call may have reserved since, and give up.
    logger.warning("placement was reconciled before it completed", extra={"order_id": order_id})
    try:
        await saga.catalog.release(key=reservation_key(order_id), within_seconds=budget.remaining())
    except catalog_errors.CatalogCallFailed:
        logger.warning("release failed; the hold will expire", exc_info=True)
    raise _catalog_unavailable(saga)


async def _discard_placement(saga: _Saga, order_id: uuid.UUID) -> None:
    async with saga.database.autocommit() as session:
        await OrderRepository(session).discard_placement(order_id)


def _catalog_unavailable(saga: _Saga) -> errors.CatalogUnavailable:
    return errors.CatalogUnavailable(
        "The catalog did not answer in time; no order was placed. Try again later.",
        headers={"Retry-After": str(saga.retry_after_seconds)},
    )
