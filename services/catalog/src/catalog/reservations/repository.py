"""Every query on reservations and their lines (stock moves live in catalog.stock)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.reservations.models import Reservation, ReservationLine, ReservationStatus


@dataclass(frozen=True)
class LockedReservation:
    reservation: Reservation
    # By the database clock, which the sweeper uses too.
    overdue: bool


class ReservationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_if_absent(self, *, key: str, ttl_seconds: int) -> Reservation | None:
        """A new held reservation under `key`, or None when the key exists already.

        When another transaction is inserting the same key, this waits for it to finish:
        if it commits this is None, if it rolls back the key is ours.
        """
        statement = (
            insert(Reservation)
            .values(
                id=uuid.uuid4(),
                key=key,
                status=ReservationStatus.HELD.value,
                expires_at=func.now() + timedelta(seconds=ttl_seconds),
            )
            .on_conflict_do_nothing(index_elements=[Reservation.key])
            .returning(Reservation)
        )
        return (await self._session.scalars(statement)).one_or_none()

    async def get_by_key(self, key: str) -> Reservation | None:
        return await self._session.scalar(select(Reservation).where(Reservation.key == key))

    async def lock_by_key(self, key: str) -> LockedReservation | None:
        """The reservation, locked until commit; concurrent moves on it queue up."""
        row = (
            await self._session.execute(
                select(Reservation, (Reservation.expires_at <= func.now()).label("overdue"))
                .where(Reservation.key == key)
                .with_for_update(of=Reservation)
            )
        ).one_or_none()
        if row is None:
            return None
        return LockedReservation(reservation=row[0], overdue=bool(row[1]))

    async def lock_overdue_held(self, *, limit: int) -> Sequence[Reservation]:
        """Up to `limit` held reservations past their expiry that no one else has locked.

        SKIP LOCKED lets several sweepers (one per replica) work side by side: each takes
        rows the others are not working on, and none waits.
        """
        statement = (
            select(Reservation)
            .where(
                Reservation.status == ReservationStatus.HELD.value,
                Reservation.expires_at <= func.now(),
            )
            .order_by(Reservation.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self._session.scalars(statement)).all()

    async def lines(self, reservation_id: uuid.UUID) -> Sequence[ReservationLine]:
        statement = (
            select(ReservationLine)
            .where(ReservationLine.reservation_id == reservation_id)
            .order_by(ReservationLine.position)
        )
        return (await self._session.scalars(statement)).all()

    async def quantities(self, reservation_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """Units per product over the given reservations."""
        statement = (
            select(ReservationLine.product_id, func.sum(ReservationLine.quantity))
            .where(ReservationLine.reservation_id.in_(reservation_ids))
            .group_by(ReservationLine.product_id)
        )
        rows = (await self._session.execute(statement)).all()
        return {product_id: int(total) for product_id, total in rows}

    async def add_lines(self, lines: Sequence[ReservationLine]) -> None:
        self._session.add_all(lines)
        await self._session.flush()

    async def mark_expired(self, reservation_ids: Sequence[uuid.UUID]) -> None:
        await self._session.execute(
            update(Reservation)
            .where(Reservation.id.in_(reservation_ids))
            .values(status=ReservationStatus.EXPIRED.value)
            .execution_options(synchronize_session=False)
        )

    async def flush(self) -> None:
        await self._session.flush()
