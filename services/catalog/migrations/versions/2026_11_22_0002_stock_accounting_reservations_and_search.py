"""stock accounting, reservations and search

Products get held and committed stock next to available stock, a generated full-text search
vector with its GIN index, and one partial index per public sort order (keyset pagination over
active products). Reservations and their lines back the internal reservation API; the stock
ledger records every unit that enters or leaves stock outside it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:16:43.299377
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_VECTOR_EXPRESSION = (
    "setweight(to_tsvector('english', name), 'A')"
    " || setweight(to_tsvector('english', coalesce(description, '')), 'B')"
)


def upgrade() -> None:
    op.add_column(
        "products",
        sa.Column("stock_held", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema="catalog",
    )
    op.add_column(
        "products",
        sa.Column("stock_committed", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema="catalog",
    )
    op.create_check_constraint(
        op.f("ck_products_stock_held_not_negative"),
        "products",
        "stock_held >= 0",
        schema="catalog",
    )
    op.create_check_constraint(
        op.f("ck_products_stock_committed_not_negative"),
        "products",
        "stock_committed >= 0",
        schema="catalog",
    )
    op.add_column(
        "products",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(SEARCH_VECTOR_EXPRESSION, persisted=True),
            nullable=False,
        ),
        schema="catalog",
    )
    op.create_index(
        "ix_products_search_vector",
        "products",
        ["search_vector"],
        unique=False,
        schema="catalog",
        postgresql_using="gin",
    )
    for name, columns in (
        ("ix_products_active_created_at_id", ["created_at", "id"]),
        ("ix_products_active_price_id", ["price", "id"]),
        ("ix_products_active_name_id", ["name", "id"]),
    ):
        op.create_index(
            name,
            "products",
            columns,
            unique=False,
            schema="catalog",
            postgresql_where=sa.text("is_active"),
        )

    op.create_table(
        "reservations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('held', 'committed', 'released', 'expired')",
            name=op.f("ck_reservations_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
        sa.UniqueConstraint("key", name=op.f("uq_reservations_key")),
        schema="catalog",
    )
    op.create_index(
        "ix_reservations_held_expires_at",
        "reservations",
        ["expires_at"],
        unique=False,
        schema="catalog",
        postgresql_where=sa.text("status = 'held'"),
    )
    op.create_table(
        "reservation_lines",
        sa.Column("reservation_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_reservation_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog.products.id"],
            name=op.f("fk_reservation_lines_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["catalog.reservations.id"],
            name=op.f("fk_reservation_lines_reservation_id_reservations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reservation_id", "product_id", name=op.f("pk_reservation_lines")),
        schema="catalog",
    )
    op.create_index(
        op.f("ix_reservation_lines_product_id"),
        "reservation_lines",
        ["product_id"],
        unique=False,
        schema="catalog",
    )

    op.create_table(
        "stock_movements",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('initial', 'restock', 'adjustment')",
            name=op.f("ck_stock_movements_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog.products.id"],
            name=op.f("fk_stock_movements_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
        schema="catalog",
    )
    op.create_index(
        op.f("ix_stock_movements_product_id"),
        "stock_movements",
        ["product_id"],
        unique=False,
        schema="catalog",
    )
    # Stock that existed before the ledger: one opening movement per product, so the ledger
    # adds up from the start (a no-op on a fresh database, which holds no products).
    op.execute(
        "INSERT INTO catalog.stock_movements (product_id, kind, quantity, reason)"
        " SELECT id, 'initial', stock_available, 'opening balance' FROM catalog.products"
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_stock_movements_product_id"), table_name="stock_movements", schema="catalog"
    )
    op.drop_table("stock_movements", schema="catalog")
    op.drop_index(
        op.f("ix_reservation_lines_product_id"), table_name="reservation_lines", schema="catalog"
    )
    op.drop_table("reservation_lines", schema="catalog")
    op.drop_index("ix_reservations_held_expires_at", table_name="reservations", schema="catalog")
    op.drop_table("reservations", schema="catalog")
    for name in (
        "ix_products_active_name_id",
        "ix_products_active_price_id",
        "ix_products_active_created_at_id",
        "ix_products_search_vector",
    ):
        op.drop_index(name, table_name="products", schema="catalog")
    op.drop_column("products", "search_vector", schema="catalog")
    op.drop_constraint(
        op.f("ck_products_stock_committed_not_negative"), "products", schema="catalog"
    )
    op.drop_constraint(op.f("ck_products_stock_held_not_negative"), "products", schema="catalog")
    op.drop_column("products", "stock_committed", schema="catalog")
    op.drop_column("products", "stock_held", schema="catalog")
