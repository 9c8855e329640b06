import uuid
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, Unmapped, mapped_column, relationship, unmapped_column

from catalog.categories.models import Category
from catalog.models import Base
from catalog.money import PRICE_DIGITS, PRICE_PLACES
from service_kit.database import TimestampedMixin

# Name weighs more than description in ranking; 'english' stems ("mugs" finds "mug").
SEARCH_CONFIG = "english"
SEARCH_VECTOR_EXPRESSION = (
    f"setweight(to_tsvector('{SEARCH_CONFIG}', name), 'A')"
    f" || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(description, '')), 'B')"
)


class Product(TimestampedMixin, Base):
    """A product and its stock. Units move between the three stock columns, never out of them:
    initial stock + restocks + adjustments = available + held + committed, always."""

    __tablename__ = "products"
    # Fetch server-side values (timestamps) with RETURNING instead of expiring them.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012  (SQLAlchemy reads it once)
    __table_args__ = (
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("stock_available >= 0", name="stock_available_not_negative"),
        CheckConstraint("stock_held >= 0", name="stock_held_not_negative"),
        CheckConstraint("stock_committed >= 0", name="stock_committed_not_negative"),
        # Full-text search over name and description.
        Index("ix_products_search_vector", "search_vector", postgresql_using="gin"),
        # Keyset pagination of the public list, one per sort; the public only sees active rows.
        Index(
            "ix_products_active_created_at_id",
            "created_at",
            "id",
            postgresql_where=text("is_active"),
        ),
        Index("ix_products_active_price_id", "price", "id", postgresql_where=text("is_active")),
        Index("ix_products_active_name_id", "name", "id", postgresql_where=text("is_active")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal] = mapped_column(Numeric(PRICE_DIGITS, PRICE_PLACES))
    # Units that can still be sold; reservations move units out of it, never below zero.
    stock_available: Mapped[int] = mapped_column(Integer, default=0)
    # Units reserved by held reservations (back to available on release or expiry).
    stock_held: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Units of committed reservations: sold.
    stock_committed: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Postgres keeps it; in the table, never loaded into (or returned for) the object.
    search_vector: Unmapped[str] = unmapped_column(
        TSVECTOR, Computed(SEARCH_VECTOR_EXPRESSION, persisted=True)
    )

    category: Mapped[Category] = relationship(lazy="raise")


# For queries: the search vector is a column of the table, not an attribute of Product.
product_search_vector = Product.__table__.c.search_vector
