import enum
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orders.models import Base
from orders.ordering.errors import IllegalStatusTransition
from service_kit.auth import Principal
from service_kit.database import StringEnum, TimestampedMixin


class OrderStatus(enum.StrEnum):
    # Internal: the order's stock is being reserved. Never shown; see docs/orders.md.
    PLACING = "placing"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


# The status machine. A customer may only cancel their own pending order; an admin may make
# every move listed here.
NEXT_STATUSES: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PLACING: frozenset(),  # placement completes it (placement.py), nothing else
    OrderStatus.PENDING: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
CUSTOMER_MOVES: frozenset[tuple[OrderStatus, OrderStatus]] = frozenset(
    {(OrderStatus.PENDING, OrderStatus.CANCELLED)}
)


# Who a step of history names when no person took it (the hold-expiry sweep's cancellations).
SYSTEM_ACTOR_ID = uuid.UUID(int=0)
SYSTEM_ACTOR_ROLE = "system"


class Order(TimestampedMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('placing', 'pending', 'confirmed', 'shipped', 'delivered', 'cancelled')",
            name="status_known",
        ),
        CheckConstraint("total >= 0", name="total_not_negative"),
        CheckConstraint("units >= 0", name="units_not_negative"),
        # What the expiry sweep looks at: every pending order knows when its hold runs out.
        CheckConstraint(
            "status <> 'pending' OR reservation_expires_at IS NOT NULL",
            name="pending_has_reservation_expiry",
        ),
        CheckConstraint(
            "(idempotency_key IS NULL) = (request_fingerprint IS NULL)",
            name="idempotency_key_has_fingerprint",
        ),
        # One order per customer and Idempotency-Key; NULL keys never collide.
        UniqueConstraint("customer_id", "idempotency_key"),
        # A customer's orders, newest first; everyone's, newest first.
        Index("ix_orders_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_orders_created_at", "created_at"),
        # What the reconciler scans: only the few placements in flight.
        Index(
            "ix_orders_placing_created_at",
            "created_at",
            postgresql_where=text("status = 'placing'"),
        ),
        # What the expiry sweep scans: pending orders by the end of their stock hold.
        Index(
            "ix_orders_pending_reservation_expires_at",
            "reservation_expires_at",
            postgresql_where=text("status = 'pending'"),
        ),
    )
    # Server-side defaults (timestamps) come back with the INSERT/UPDATE: no lazy refresh.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # The users service's account id (the token's `sub`); no foreign key crosses services.
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[OrderStatus] = mapped_column(
        StringEnum(OrderStatus, 20), default=OrderStatus.PENDING
    )
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # Units over all lines, known from the request on: what the order counts against the
    # customer's held-units cap while it is placing or pending.
    units: Mapped[int] = mapped_column(Integer)
    # When catalog lets the stock hold of a pending order go (catalog's answer); NULL while
    # placing (not known yet) and for orders placed before this was recorded and settled since.
    reservation_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The customer's Idempotency-Key and a hash of the request it came with.
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))

    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="OrderLine.line_number",
    )
    history: Mapped[list["OrderStatusChange"]] = relationship(
        back_populates="order",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="OrderStatusChange.id",
    )

    def move_to(self, status: OrderStatus, *, actor: Principal) -> OrderStatus:
        """Take the next step of the status machine, recorded in the history with its actor;
        the status it left. IllegalStatusTransition when the machine, or the actor's role,
        does not allow the move. Needs `history` loaded."""
        current = self.status
        if status not in NEXT_STATUSES[current]:
            raise IllegalStatusTransition(
                f"Order {self.number} is {current}; it cannot become {status}.",
                current_status=current,
                requested_status=status,
            )
        if not actor.is_admin and (current, status) not in CUSTOMER_MOVES:
            raise IllegalStatusTransition(
                f"Order {self.number} is {current}; a customer can only cancel a pending order.",
                current_status=current,
                requested_status=status,
            )
        self.history.append(
            OrderStatusChange(
                from_status=current,
                to_status=status,
                actor_id=actor.user_id,
                actor_role=actor.role,
            )
        )
        self.status = status
        return current


# The order number is drawn at random; a collision is this unique constraint's violation.
ORDER_NUMBER_CONSTRAINT = "uq_orders_number"
# The check constraints that hold a customer to the caps (docs/orders.md, "Abuse limits").
PENDING_ORDERS_CAP_CONSTRAINT = "ck_customer_holds_pending_orders_within_cap"
HELD_UNITS_CAP_CONSTRAINT = "ck_customer_holds_held_units_within_cap"


class CustomerHolds(Base):
    """What one customer has open: orders placing or pending, and the units in them.

    Kept in step with `orders` by the very statements that move an order into or out of
    `placing`/`pending`, and capped by the database itself: a placement raises the counts
    and writes the caps in force in one upsert, and a count above its cap violates a check
    constraint, which undoes the whole statement (the placeholder with it). Concurrent
    placements of one customer queue on this row, so the caps hold exactly.
    """

    __tablename__ = "customer_holds"
    __table_args__ = (
        CheckConstraint("pending_orders >= 0", name="pending_orders_not_negative"),
        CheckConstraint("held_units >= 0", name="held_units_not_negative"),
        CheckConstraint("pending_orders <= pending_orders_cap", name="pending_orders_within_cap"),
        CheckConstraint("held_units <= held_units_cap", name="held_units_within_cap"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    pending_orders: Mapped[int] = mapped_column(Integer)
    held_units: Mapped[int] = mapped_column(Integer)
    # The caps of the customer's latest placement (the settings then in force).
    pending_orders_cap: Mapped[int] = mapped_column(Integer)
    held_units_cap: Mapped[int] = mapped_column(Integer)


class OrderLine(Base):
    """What was bought, as it was when it was bought: catalog data is snapshotted."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price > 0", name="unit_price_positive"),
        UniqueConstraint("order_id", "line_number"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    # The position the customer gave the product in the order, from 1.
    line_number: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    quantity: Mapped[int] = mapped_column(Integer)
    line_total: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")


class OrderStatusChange(Base):
    """One step of an order's life: from what, to what, when, and who did it."""

    __tablename__ = "order_status_changes"
    __table_args__ = (
        CheckConstraint(
            "to_status IN ('pending', 'confirmed', 'shipped', 'delivered', 'cancelled')",
            name="to_status_known",
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    # An identity, so steps sort in the order they happened even within one transaction.
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    # NULL for the first step: the order came into existence as `pending`.
    from_status: Mapped[OrderStatus | None] = mapped_column(StringEnum(OrderStatus, 20))
    to_status: Mapped[OrderStatus] = mapped_column(StringEnum(OrderStatus, 20))
    actor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The role in the actor's token (`customer`, `admin`), or `system`: users decides which
    # roles exist, so a role orders has not heard of is stored as it is, not refused.
    actor_role: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    order: Mapped[Order] = relationship(back_populates="history", lazy="raise")
