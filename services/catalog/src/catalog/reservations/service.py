"""Reserving stock for a caller, all lines or none, and moving the reservation on.

held --commit--> committed --release--> released
held --release--> released          held --(expiry)--> expired
Every move is idempotent: asking for the state a reservation is already in answers it again.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.reservations.errors import (
    InsufficientStock,
    ProductUnavailable,
    ReservationKeyConflict,
    ReservationNotFound,
)
from catalog.reservations.models import (
    HeldLine,
    HeldReservation,
    Reservation,
    ReservationLine,
    ReservationStatus,
)
from catalog.reservations.repository import ReservationRepository, ReserveAttempt
from catalog.reservations.schemas import RequestedLine, ReservationRequest
from catalog.stock.repository import StockColumn, StockRepository
from service_kit.database import Database


class StockAccountingError(RuntimeError):
    """Locked rows did not hold the units the reservation says they do: a bug, never input."""


async def reserve_stock(
    *, database: Database, request: ReservationRequest, default_ttl_seconds: int
) -> tuple[Reservation | HeldReservation, bool]:
    """Hold stock for every line, or for none; returns the reservation and whether it is new.

    The same key with the same lines answers the stored reservation and touches no stock;
    with other lines it is a conflict. A refusal writes nothing.
    """
    wanted = _summed(request.lines)
    # Not the request's transaction: a new reservation is one statement, atomic by itself
    # (ReservationRepository.reserve), so it runs on an autocommit session, without
    # BEGIN/COMMIT (two round trips fewer on the path every order waits for).
    async with database.autocommit() as session:
        reservations = ReservationRepository(session)
        attempt = await reservations.reserve(
            key=request.key,
            ttl_seconds=request.ttl_seconds or default_ttl_seconds,
            wanted=wanted,
        )
        if attempt.expires_at is not None:
            return _held(request.key, attempt, wanted), True
        # Nothing was written. An existing key answers first (a retry gets the first
        # answer, whatever the stock is now); this is a new statement, so it sees a
        # reservation that a concurrent request with the same key committed meanwhile.
        existing = await reservations.find(request.key)
    if existing is not None:
        if {line.product_id: line.quantity for line in existing.lines} != wanted:
            raise ReservationKeyConflict(
                f"Reservation '{request.key}' exists with other lines; use a new key for a new"
                " reservation.",
            )
        return existing, False
    products = attempt.products
    unavailable = [
        product_id
        for product_id in wanted
        if product_id not in products or not products[product_id].is_active
    ]
    if unavailable:
        raise ProductUnavailable(
            "Some products are unknown or not for sale.",
            product_ids=[str(product_id) for product_id in unavailable],
        )
    shortages = [
        {
            "product_id": str(product_id),
            "requested": quantity,
            "available": products[product_id].available,
        }
        for product_id, quantity in wanted.items()
        if products[product_id].available < quantity
    ]
    if shortages:
        raise InsufficientStock(
            f"Not enough stock for {len(shortages)} of {len(wanted)} products.",
            shortages=shortages,
        )
    raise StockAccountingError(f"reservation {request.key!r} was neither made nor refused")


async def get_reservation(*, session: AsyncSession, key: str) -> Reservation:
    reservation = await ReservationRepository(session).find(key)
    if reservation is None:
        raise ReservationNotFound(f"There is no reservation '{key}'.")
    return reservation


async def commit_reservation(*, session: AsyncSession, key: str) -> Reservation:
    """held -> committed: the units are sold (Reservation.commit says when it may)."""
    reservations = ReservationRepository(session)
    locked = await reservations.lock_by_key(key)
    if locked is None:
        raise ReservationNotFound(f"There is no reservation '{key}'.")
    reservation = locked.reservation
    if reservation.commit(overdue=locked.overdue):
        await _move(
            StockRepository(session),
            _quantities(reservation.lines),
            source=StockColumn.HELD,
            target=StockColumn.COMMITTED,
        )
        await reservations.flush()
    return reservation


async def release_reservation(*, session: AsyncSession, key: str) -> Reservation:
    """held or committed -> released: the units are back on sale. Released and expired
    reservations answer as they are (Reservation.release)."""
    reservations = ReservationRepository(session)
    locked = await reservations.lock_by_key(key)
    if locked is None:
        raise ReservationNotFound(f"There is no reservation '{key}'.")
    reservation = locked.reservation
    released = reservation.release(overdue=locked.overdue)
    if released is not None:
        source = StockColumn.HELD if released is ReservationStatus.HELD else StockColumn.COMMITTED
        await _move(
            StockRepository(session),
            _quantities(reservation.lines),
            source=source,
            target=StockColumn.AVAILABLE,
        )
        await reservations.flush()
    return reservation


async def expire_overdue_reservations(*, session: AsyncSession, limit: int) -> int:
    """Release up to `limit` held reservations past their expiry; returns how many.

    Rows another transaction holds (a sweeper on another replica, a commit in flight) are
    skipped, not waited for.
    """
    reservations = ReservationRepository(session)
    overdue = await reservations.lock_overdue_held(limit=limit)
    if not overdue:
        return 0
    reservation_ids = [reservation.id for reservation in overdue]
    await _move(
        StockRepository(session),
        await reservations.quantities(reservation_ids),
        source=StockColumn.HELD,
        target=StockColumn.AVAILABLE,
    )
    await reservations.mark_expired(reservation_ids)
    return len(overdue)


async def _move(
    stock: StockRepository,
    quantities: dict[uuid.UUID, int],
    *,
    source: StockColumn,
    target: StockColumn,
) -> None:
    """Move units between columns for several products; locks them first (in id order)."""
    await stock.lock_products(list(quantities))
    moved = await stock.move(quantities, source=source, target=target)
    if moved != len(quantities):
        raise StockAccountingError(
            f"moved {source} -> {target} for {moved} of {len(quantities)} products"
        )


def _summed(lines: Sequence[RequestedLine]) -> dict[uuid.UUID, int]:
    """Quantities per product, duplicates added up, in order of first appearance."""
    wanted: dict[uuid.UUID, int] = {}
    for line in lines:
        wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
    return wanted


def _held(key: str, attempt: ReserveAttempt, wanted: dict[uuid.UUID, int]) -> HeldReservation:
    """The reservation `attempt` just stored, as it stored it, without reading it back."""
    assert attempt.expires_at is not None
    products = attempt.products
    return HeldReservation(
        key=key,
        expires_at=attempt.expires_at,
        lines=[
            HeldLine(
                product_id=product_id,
                sku=products[product_id].sku,
                name=products[product_id].name,
                unit_price=products[product_id].price,
                quantity=quantity,
            )
            for product_id, quantity in wanted.items()
        ],
    )


def _quantities(lines: Sequence[ReservationLine]) -> dict[uuid.UUID, int]:
    return {line.product_id: line.quantity for line in lines}
