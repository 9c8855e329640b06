import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Base
from catalog.reservations.errors import IllegalReservationTransition, ReservationExpired
from service_kit.database import StringEnum, TimestampedMixin


class ReservationStatus(enum.StrEnum):
    HELD = "held"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"


class Reservation(TimestampedMixin, Base):
    """Stock held for a caller under a key of its choosing, all lines or none."""

    __tablename__ = "reservations"
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012  (SQLAlchemy reads it once)
    __table_args__ = (
        CheckConstraint(
            "status IN ('held', 'committed', 'released', 'expired')", name="status_known"
        ),
        # The sweeper's scan: held reservations by expiry, and nothing else.
        Index(
            "ix_reservations_held_expires_at",
            "expires_at",
            postgresql_where=text("status = 'held'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[ReservationStatus] = mapped_column(StringEnum(ReservationStatus, 16))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    # In the caller's order. Loaded only when asked for (joinedload), never behind one's back.
    lines: Mapped[list["ReservationLine"]] = relationship(
        lazy="raise", order_by="ReservationLine.position"
    )

    def commit(self, *, overdue: bool) -> bool:
        """held -> committed; whether units must move (held -> committed). Committing again
        changes nothing. Refused past the expiry (`overdue`, by the database clock), even
        before the sweeper has released it, and once released."""
        if self.status is ReservationStatus.COMMITTED:
            return False
        if self.status is ReservationStatus.EXPIRED or (
            self.status is ReservationStatus.HELD and overdue
        ):
            raise ReservationExpired(
                f"Reservation '{self.key}' expired at {self.expires_at.isoformat()}; its stock"
                " is back on sale.",
                expires_at=self.expires_at.isoformat(),
            )
        if self.status is not ReservationStatus.HELD:
            raise IllegalReservationTransition(
                f"Reservation '{self.key}' is {self.status} and cannot be committed.",
                status=self.status,
            )
        self.status = ReservationStatus.COMMITTED
        return True

    def release(self, *, overdue: bool) -> ReservationStatus | None:
        """held or committed -> released; the status whose units go back on sale, or None
        when it is released or expired already. A held one past its expiry (`overdue`) is
        recorded as expired: it is, by then."""
        if self.status in (ReservationStatus.RELEASED, ReservationStatus.EXPIRED):
            return None
        releasing = self.status
        overdue_hold = releasing is ReservationStatus.HELD and overdue
        self.status = ReservationStatus.EXPIRED if overdue_hold else ReservationStatus.RELEASED
        return releasing


class ReservationLine(Base):
    """One product of a reservation, with its price, name and SKU at the moment it was made."""

    __tablename__ = "reservation_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    reservation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reservations.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    # Where the product first appeared in the request, so answers list lines in that order.
    position: Mapped[int] = mapped_column(SmallInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))


@dataclass(frozen=True, slots=True)
class HeldLine:
    product_id: uuid.UUID
    sku: str
    name: str
    unit_price: Decimal
    quantity: int


@dataclass(frozen=True, slots=True)
class HeldReservation:
    """A reservation just made, as the reserving statement stored it, read like a
    Reservation row. Plain objects: ORM instances cost ten times as much to build, on the
    path every order waits for."""

    key: str
    expires_at: datetime
    lines: Sequence[HeldLine]
    status: ReservationStatus = ReservationStatus.HELD
