"""customer holds and reservation expiry

Orders record their units and, once pending, when catalog lets their stock hold go; a row per
customer counts their placing and pending orders and units, capped by check constraints.
Existing rows are backfilled: units from the lines (0 for a placement in flight, which has
none yet, and which its removal then gives back as 0), a pending order's hold end as one hour
after it became pending (the longest hold orders ever asks for, so never early), and each
customer's counts from their open orders, with caps no lower than those counts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:12:05.118204
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("units", sa.Integer(), nullable=True), schema="orders")
    op.execute(
        "UPDATE orders.orders AS o SET units = coalesce("
        " (SELECT sum(l.quantity) FROM orders.order_lines AS l WHERE l.order_id = o.id), 0)"
    )
    op.alter_column("orders", "units", nullable=False, schema="orders")
    op.create_check_constraint(
        op.f("ck_orders_units_not_negative"), "orders", "units >= 0", schema="orders"
    )

    op.add_column(
        "orders",
        sa.Column("reservation_expires_at", sa.DateTime(timezone=True), nullable=True),
        schema="orders",
    )
    op.execute(
        "UPDATE orders.orders SET reservation_expires_at = updated_at + interval '1 hour'"
        " WHERE status = 'pending'"
    )
    op.create_check_constraint(
        op.f("ck_orders_pending_has_reservation_expiry"),
        "orders",
        "status <> 'pending' OR reservation_expires_at IS NOT NULL",
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_pending_reservation_expires_at"),
        "orders",
        ["reservation_expires_at"],
        unique=False,
        schema="orders",
        postgresql_where=sa.text("status = 'pending'"),
    )

    op.create_table(
        "customer_holds",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("pending_orders", sa.Integer(), nullable=False),
        sa.Column("held_units", sa.Integer(), nullable=False),
        sa.Column("pending_orders_cap", sa.Integer(), nullable=False),
        sa.Column("held_units_cap", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "held_units <= held_units_cap", name=op.f("ck_customer_holds_held_units_within_cap")
        ),
        sa.CheckConstraint(
            "held_units >= 0", name=op.f("ck_customer_holds_held_units_not_negative")
        ),
        sa.CheckConstraint(
            "pending_orders <= pending_orders_cap",
            name=op.f("ck_customer_holds_pending_orders_within_cap"),
        ),
        sa.CheckConstraint(
            "pending_orders >= 0", name=op.f("ck_customer_holds_pending_orders_not_negative")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_holds")),
        schema="orders",
    )
    op.execute(
        "INSERT INTO orders.customer_holds"
        " (customer_id, pending_orders, held_units, pending_orders_cap, held_units_cap)"
        " SELECT customer_id, count(*), sum(units), count(*), sum(units)"
        " FROM orders.orders WHERE status IN ('placing', 'pending') GROUP BY customer_id"
    )


def downgrade() -> None:
    op.drop_table("customer_holds", schema="orders")
    op.drop_index(
        op.f("ix_orders_pending_reservation_expires_at"), table_name="orders", schema="orders"
    )
    op.drop_constraint(
        op.f("ck_orders_pending_has_reservation_expiry"), "orders", schema="orders", type_="check"
    )
    op.drop_column("orders", "reservation_expires_at", schema="orders")
    op.drop_constraint(
        op.f("ck_orders_units_not_negative"), "orders", schema="orders", type_="check"
    )
    op.drop_column("orders", "units", schema="orders")
