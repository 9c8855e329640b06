"""placement saga and status history

Orders get the internal `placing` status (a placement whose reservation is being made), the
customer's Idempotency-Key with a fingerprint of its request, and a status history; lines keep
the position the customer gave them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:16:27.718981
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VISIBLE_STATUSES = "'pending', 'confirmed', 'shipped', 'delivered', 'cancelled'"


def upgrade() -> None:
    op.create_table(
        "order_status_changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            f"to_status IN ({VISIBLE_STATUSES})",
            name=op.f("ck_order_status_changes_to_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.orders.id"],
            name=op.f("fk_order_status_changes_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_status_changes")),
        schema="orders",
    )
    op.create_index(
        op.f("ix_order_status_changes_order_id"),
        "order_status_changes",
        ["order_id"],
        unique=False,
        schema="orders",
    )

    # Lines written before this revision keep their order of insertion.
    op.add_column(
        "order_lines", sa.Column("line_number", sa.Integer(), nullable=True), schema="orders"
    )
    op.execute(
        "UPDATE orders.order_lines AS line SET line_number = numbered.n"
        " FROM (SELECT id, row_number() OVER (PARTITION BY order_id ORDER BY id) AS n"
        "       FROM orders.order_lines) AS numbered"
        " WHERE line.id = numbered.id"
    )
    op.alter_column("order_lines", "line_number", nullable=False, schema="orders")
    op.create_unique_constraint(
        op.f("uq_order_lines_order_id_line_number"),
        "order_lines",
        ["order_id", "line_number"],
        schema="orders",
    )

    op.drop_constraint(op.f("ck_orders_status_known"), "orders", schema="orders", type_="check")
    op.create_check_constraint(
        op.f("ck_orders_status_known"),
        "orders",
        f"status IN ('placing', {VISIBLE_STATUSES})",
        schema="orders",
    )
    op.add_column(
        "orders",
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        schema="orders",
    )
    op.add_column(
        "orders",
        sa.Column("request_fingerprint", sa.String(length=64), nullable=True),
        schema="orders",
    )
    op.create_check_constraint(
        op.f("ck_orders_idempotency_key_has_fingerprint"),
        "orders",
        "(idempotency_key IS NULL) = (request_fingerprint IS NULL)",
        schema="orders",
    )
    op.create_unique_constraint(
        op.f("uq_orders_customer_id_idempotency_key"),
        "orders",
        ["customer_id", "idempotency_key"],
        schema="orders",
    )
    op.drop_index(op.f("ix_orders_customer_id"), table_name="orders", schema="orders")
    op.create_index(
        op.f("ix_orders_customer_id_created_at"),
        "orders",
        ["customer_id", "created_at"],
        unique=False,
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_created_at"), "orders", ["created_at"], unique=False, schema="orders"
    )
    op.create_index(
        op.f("ix_orders_placing_created_at"),
        "orders",
        ["created_at"],
        unique=False,
        schema="orders",
        postgresql_where=sa.text("status = 'placing'"),
    )


def downgrade() -> None:
    # Placements in flight have no place in the older schema.
    op.execute("DELETE FROM orders.orders WHERE status = 'placing'")
    op.drop_index(op.f("ix_orders_placing_created_at"), table_name="orders", schema="orders")
    op.drop_index(op.f("ix_orders_created_at"), table_name="orders", schema="orders")
    op.drop_index(op.f("ix_orders_customer_id_created_at"), table_name="orders", schema="orders")
    op.create_index(
        op.f("ix_orders_customer_id"), "orders", ["customer_id"], unique=False, schema="orders"
    )
    op.drop_constraint(
        op.f("uq_orders_customer_id_idempotency_key"), "orders", schema="orders", type_="unique"
    )
    op.drop_constraint(
        op.f("ck_orders_idempotency_key_has_fingerprint"),
        "orders",
        schema="orders",
        type_="check",
    )
    op.drop_column("orders", "request_fingerprint", schema="orders")
    op.drop_column("orders", "idempotency_key", schema="orders")
    op.drop_constraint(op.f("ck_orders_status_known"), "orders", schema="orders", type_="check")
    op.create_check_constraint(
        op.f("ck_orders_status_known"), "orders", f"status IN ({VISIBLE_STATUSES})", schema="orders"
    )
    op.drop_constraint(
        op.f("uq_order_lines_order_id_line_number"),
        "order_lines",
        schema="orders",
        type_="unique",
    )
    op.drop_column("order_lines", "line_number", schema="orders")
    op.drop_index(
        op.f("ix_order_status_changes_order_id"),
        table_name="order_status_changes",
        schema="orders",
    )
    op.drop_table("order_status_changes", schema="orders")
