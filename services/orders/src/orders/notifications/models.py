"""The outbox of order emails: one row per email, written with the status change it tells of."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from orders.models import Base
from orders.notifications.errors import NotificationNotParked
from service_kit.database import StringEnum, TimestampedMixin


class OrderEvent(enum.StrEnum):
    """What an email tells the customer: the order's new status (`placed` is `pending`)."""

    PLACED = "placed"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class DeliveryState(enum.StrEnum):
    # Waiting for its next attempt (or being sent under a relay's lease).
    PENDING = "pending"
    SENT = "sent"
    # Failed NOTIFICATION_MAX_ATTEMPTS times: waits for an admin to queue it again.
    PARKED = "parked"
    # Its recipient has no account any more (erased): never sent, the reason recorded.
    DROPPED = "dropped"


class OrderNotification(TimestampedMixin, Base):
    """One email about one order, and how its delivery stands.

    Holds no customer data: the recipient's address is asked of users when it is sent, and
    the order's number and total are read from the order then.
    """

    __tablename__ = "order_notifications"
    __table_args__ = (
        CheckConstraint(
            "event IN ('placed', 'confirmed', 'shipped', 'delivered', 'cancelled')",
            name="event_known",
        ),
        CheckConstraint("state IN ('pending', 'sent', 'parked', 'dropped')", name="state_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name="sent_has_sent_at"),
        # What the relay scans: only the emails still to send, by when they are due.
        Index(
            "ix_order_notifications_pending_next_attempt_at",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
        ),
        # The admin view: the parked ones (and any other state), newest first.
        Index("ix_order_notifications_state_created_at", "state", "created_at"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    # Also the email's Message-ID, so a repeat after a lost acknowledgement is recognisable.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    # The users service's account id: whose address users is asked for at send time.
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    event: Mapped[OrderEvent] = mapped_column(StringEnum(OrderEvent, 20))
    # Server defaults too: the placement and the expiry sweep insert rows in plain SQL.
    state: Mapped[DeliveryState] = mapped_column(
        StringEnum(DeliveryState, 20), default=DeliveryState.PENDING, server_default="pending"
    )
    # Failed sends so far (SMTP refused or unreachable); users being away is not one.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # A relay's lease on it while it sends: until then no other relay takes it.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Why the last attempt failed, or why it was dropped; never an address.
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def requeue(self, *, due: datetime) -> None:
        """Give a parked email a fresh set of attempts, due at `due`."""
        if self.state != DeliveryState.PARKED:
            raise NotificationNotParked(
                f"Notification {self.id} is {self.state}; only a parked one can be queued again."
            )
        self.state = DeliveryState.PENDING
        self.attempts = 0
        self.next_attempt_at = due
        self.claimed_until = None
