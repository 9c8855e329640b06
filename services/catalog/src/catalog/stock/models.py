import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    Text,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models import Base
from service_kit.database import StringEnum


class StockMovementKind(enum.StrEnum):
    INITIAL = "initial"
    RESTOCK = "restock"
    ADJUSTMENT = "adjustment"


class StockMovement(Base):
    """Every unit that enters or leaves a product's stock from outside the reservation flow.

    The ledger makes conservation checkable: for each product the sum of its movements equals
    stock_available + stock_held + stock_committed.
    """

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("kind IN ('initial', 'restock', 'adjustment')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[StockMovementKind] = mapped_column(StringEnum(StockMovementKind, 16))
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
