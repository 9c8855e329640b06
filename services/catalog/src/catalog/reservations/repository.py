"""Every query on reservations and their lines (stock moves live in catalog.stock).

Reserving is the one exception: it is a single statement that locks the products, checks
them, records the reservation and its lines and moves the stock at once (`reserve`), because
a placement waits for it and every round trip is paid by every order.
"""

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import joinedload

from catalog.reservations.models import Reservation, ReservationLine, ReservationStatus
from catalog.stock.repository import LockedProduct
from service_kit.repository import Repository


@dataclass(frozen=True)
class LockedReservation:
    reservation: Reservation
    # By the database clock, which the sweeper uses too.
    overdue: bool


@dataclass(frozen=True)
class ReserveAttempt:
    # Set when this call created the reservation: everything is recorded and moved.
    expires_at: datetime | None
    # The products asked for that exist, as they were under lock (to explain a refusal).
    products: Mapping[uuid.UUID, LockedProduct]


# One statement, atomic by itself. The products are locked in id order (so concurrent
# reservations queue up the same way and cannot deadlock) before anything is written; the
# reservation row is inserted only if every line can be served (so a refusal writes nothing
# and leaves the key unused), ON CONFLICT DO NOTHING makes the same key never reserve twice
# (a concurrent insert of it is waited for), and the stock moves and lines are recorded only
# for a reservation this statement created. The moves need no guard of their own: the locked
# rows were checked, and the CHECK constraints stay the backstop. The lines travel as one
# JSON parameter rather than as arrays: asyncpg introspects array types with three extra
# queries on every new connection (with NullPool: on every request); JSON it knows.
_RESERVE = text(
    """
    WITH wanted AS (
        SELECT *
        FROM json_to_recordset(CAST(:lines AS json))
            AS w(product_id uuid, quantity integer, position smallint)
    ),
    locked AS MATERIALIZED (
        SELECT p.id, p.name, p.sku, p.price, p.is_active, p.stock_available
        FROM catalog.products AS p
        WHERE p.id IN (SELECT product_id FROM wanted)
        ORDER BY p.id
        FOR UPDATE OF p
    ),
    verdict AS (
        SELECT count(*) = (SELECT count(*) FROM wanted) AS reservable
        FROM wanted AS w JOIN locked AS l ON l.id = w.product_id
        WHERE l.is_active AND l.stock_available >= w.quantity
    ),
    reservation AS (
        INSERT INTO catalog.reservations (id, key, status, expires_at)
        SELECT CAST(:reservation_id AS uuid), CAST(:key AS varchar), 'held',
               now() + CAST(:ttl_seconds AS integer) * interval '1 second'
        FROM verdict
        WHERE verdict.reservable
        ON CONFLICT (key) DO NOTHING
        RETURNING id, expires_at
    ),
    moved AS (
        UPDATE catalog.products AS p
        SET stock_available = p.stock_available - w.quantity,
            stock_held = p.stock_held + w.quantity,
            updated_at = now()
        FROM wanted AS w, reservation
        WHERE p.id = w.product_id
        RETURNING p.id
    ),
    recorded AS (
        INSERT INTO catalog.reservation_lines
            (reservation_id, product_id, position, quantity, unit_price, sku, name)
        SELECT reservation.id, w.product_id, w.position, w.quantity, l.price, l.sku, l.name
        FROM reservation, wanted AS w JOIN locked AS l ON l.id = w.product_id
        RETURNING product_id
    )
    SELECT l.id, l.name, l.sku, l.price, l.is_active, l.stock_available,
           (SELECT expires_at FROM reservation) AS expires_at
    FROM locked AS l
    """
)


# The reservation with its lines, in one statement (a join, not a second query).
_WITH_LINES = joinedload(Reservation.lines)


class ReservationRepository(Repository[Reservation]):
    model = Reservation

    async def reserve(
        self, *, key: str, ttl_seconds: int, wanted: Mapping[uuid.UUID, int]
    ) -> ReserveAttempt:
        """Hold `wanted` (product -> units, in the caller's order) under `key`, all or nothing.

        `expires_at` is None when nothing was written: some line cannot be served, or the key
        exists already (`find` tells which). One statement: on an autocommit session it is
        its own transaction.
        """
        rows = await self.session.execute(
            _RESERVE,
            {
                "reservation_id": uuid.uuid4(),
                "key": key,
                "ttl_seconds": ttl_seconds,
                "lines": json.dumps(
                    [
                        {"product_id": str(product_id), "quantity": quantity, "position": position}
                        for position, (product_id, quantity) in enumerate(wanted.items())
                    ]
                ),
            },
        )
        expires_at: datetime | None = None
        products: dict[uuid.UUID, LockedProduct] = {}
        for row in rows:
            expires_at = row.expires_at
            products[row.id] = LockedProduct.from_row(row)
        return ReserveAttempt(expires_at=expires_at, products=products)

    async def find(self, key: str) -> Reservation | None:
        """The reservation under `key` with its lines, in one statement."""
        result = await self.session.execute(
            select(Reservation).options(_WITH_LINES).where(Reservation.key == key)
        )
        return result.unique().scalar_one_or_none()

    async def lock_by_key(self, key: str) -> LockedReservation | None:
        """The reservation with its lines, locked until commit; concurrent moves on it queue
        up. One statement: the lines come joined (only the reservation row is locked)."""
        result = await self.session.execute(
            select(Reservation, (Reservation.expires_at <= func.now()).label("overdue"))
            .options(_WITH_LINES)
            .where(Reservation.key == key)
            .with_for_update(of=Reservation)
        )
        row = result.unique().one_or_none()
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
                Reservation.status == ReservationStatus.HELD,
                Reservation.expires_at <= func.now(),
            )
            .order_by(Reservation.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.scalars(statement)).all()

    async def quantities(self, reservation_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """Units per product over the given reservations."""
        statement = (
            select(ReservationLine.product_id, func.sum(ReservationLine.quantity))
            .where(ReservationLine.reservation_id.in_(reservation_ids))
            .group_by(ReservationLine.product_id)
        )
        rows = (await self.session.execute(statement)).all()
        return {product_id: int(total) for product_id, total in rows}

    async def mark_expired(self, reservation_ids: Sequence[uuid.UUID]) -> None:
        await self.session.execute(
            update(Reservation)
            .where(Reservation.id.in_(reservation_ids))
            .values(status=ReservationStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        )
