"""Reserving stock for a caller, all lines or none, and moving the reservation on.

held --commit--> committed --release--> released
held --release--> released          held --(expiry)--> expired
Every move is idempotent: asking for the state a reservation is already in answers it again.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.reservations.errors import (
    IllegalReservationTransition,
    InsufficientStock,
    ProductUnavailable,
    ReservationExpired,
    ReservationKeyConflict,
    ReservationNotFound,
)
from catalog.reservations.models import Reservation, ReservationLine, ReservationStatus
from catalog.reservations.repository import ReservationRepository
from catalog.reservations.schemas import (
    RequestedLine,
    ReservationOut,
    ReservationRequest,
    ReservedLine,
)
from catalog.stock.repository import StockColumn, StockRepository


class StockAccountingError(RuntimeError):
    """Locked rows did not hold the units the reservation says they do: a bug, never input."""


async def reserve_stock(
    *, session: AsyncSession, request: ReservationRequest, default_ttl_seconds: int
) -> tuple[ReservationOut, bool]:
    """Hold stock for every line, or for none; returns the reservation and whether it is new.

    The same key with the same lines answers the stored reservation and touches no stock;
    with other lines it is a conflict. Everything happens in the caller's one transaction,
    so raising undoes the reservation row too.
    """
    wanted = _summed(request.lines)
    reservations = ReservationRepository(session)
    reservation = await reservations.insert_if_absent(
        key=request.key, ttl_seconds=request.ttl_seconds or default_ttl_seconds
    )
    if reservation is None:
        return await _replay(reservations, key=request.key, wanted=wanted), False

    stock = StockRepository(session)
    products = {product.product_id: product for product in await stock.lock_products(list(wanted))}
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
    await _move(stock, wanted, source=StockColumn.AVAILABLE, target=StockColumn.HELD, locked=True)

    lines = [
        ReservationLine(
            reservation_id=reservation.id,
            product_id=product_id,
            position=position,
            quantity=quantity,
            unit_price=products[product_id].price,
            sku=products[product_id].sku,
            name=products[product_id].name,
        )
        for position, (product_id, quantity) in enumerate(wanted.items())
    ]
    await reservations.add_lines(lines)
    return _out(reservation, lines), True


async def get_reservation(*, session: AsyncSession, key: str) -> ReservationOut:
    reservations = ReservationRepository(session)
    reservation = await reservations.get_by_key(key)
    if reservation is None:
        raise ReservationNotFound(f"There is no reservation '{key}'.")
    return _out(reservation, await reservations.lines(reservation.id))


async def commit_reservation(*, session: AsyncSession, key: str) -> ReservationOut:
    """held -> committed: the units are sold. A reservation past its expiry cannot commit,
    even if the sweeper has not released it yet."""
    reservations = ReservationRepository(session)
    locked = await reservations.lock_by_key(key)
    if locked is None:
        raise ReservationNotFound(f"There is no reservation '{key}'.")
    reservation = locked.reservation
    lines = await reservations.lines(reservation.id)
    status = ReservationStatus(reservation.status)
    if status is ReservationStatus.COMMITTED:
        return _out(reservation, lines)
    if status is ReservationStatus.EXPIRED or (status is ReservationStatus.HELD and locked.overdue):
        raise ReservationExpired(
            f"Reservation '{key}' expired at {reservation.expires_at.isoformat()}; its stock is"
            " back on sale.",
            expires_at=reservation.expires_at.isoformat(),
        )
    if status is not ReservationStatus.HELD:
        raise IllegalReservationTransition(
            f"Reservation '{key}' is {status.value} and cannot be committed.",
            status=status.value,
        )
    await _move(
        StockRepository(session),
        _quantities(lines),
        source=StockColumn.HELD,
        target=StockColumn.COMMITTED,
    )
    reservation.status = ReservationStatus.COMMITTED.value
    await reservations.flush()
    return _out(reservation, lines)


async def release_reservation(*, session: AsyncSession, key: str) -> ReservationOut:
    """held or committed -> released: the units are back on sale. Released and expired
    reservations answer as they are; a held one past its expiry is recorded as expired."""
    reservations = ReservationRepository(session)
    locked = await reservations.lock_by_key(key)
    if locked is None:
        raise ReservationNotFound(f"There is no reservation '{key}'.")
    reservation = locked.reservation
    lines = await reservations.lines(reservation.id)
    status = ReservationStatus(reservation.status)
    if status in (ReservationStatus.RELEASED, ReservationStatus.EXPIRED):
        return _out(reservation, lines)
    source = StockColumn.HELD if status is ReservationStatus.HELD else StockColumn.COMMITTED
    await _move(
        StockRepository(session), _quantities(lines), source=source, target=StockColumn.AVAILABLE
    )
    overdue = status is ReservationStatus.HELD and locked.overdue
    reservation.status = (
        ReservationStatus.EXPIRED if overdue else ReservationStatus.RELEASED
    ).value
    await reservations.flush()
    return _out(reservation, lines)


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


async def _replay(
    reservations: ReservationRepository, *, key: str, wanted: dict[uuid.UUID, int]
) -> ReservationOut:
    existing = await reservations.get_by_key(key)
    if existing is None:  # reservations are never deleted
        raise StockAccountingError(f"reservation {key!r} conflicted but cannot be read")
    lines = await reservations.lines(existing.id)
    if _quantities(lines) != wanted:
        raise ReservationKeyConflict(
            f"Reservation '{key}' exists with other lines; use a new key for a new reservation.",
        )
    return _out(existing, lines)


async def _move(
    stock: StockRepository,
    quantities: dict[uuid.UUID, int],
    *,
    source: StockColumn,
    target: StockColumn,
    locked: bool = False,
) -> None:
    """Move units between columns for several products; locks them first (in id order)."""
    if not locked:
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


def _quantities(lines: Sequence[ReservationLine]) -> dict[uuid.UUID, int]:
    return {line.product_id: line.quantity for line in lines}


def _out(reservation: Reservation, lines: Sequence[ReservationLine]) -> ReservationOut:
    return ReservationOut(
        key=reservation.key,
        status=ReservationStatus(reservation.status),
        expires_at=reservation.expires_at,
        lines=[
            ReservedLine(
                product_id=line.product_id,
                sku=line.sku,
                name=line.name,
                unit_price=line.unit_price,
                quantity=line.quantity,
            )
            for line in lines
        ],
    )
