"""order notifications outbox

One row per order email, written with the status change it tells of; the relay sends it and
records how its delivery stands. Orders placed before this get no email (none was promised).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 16:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
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
            "(state = 'sent') = (sent_at IS NOT NULL)",
            name=op.f("ck_order_notifications_sent_has_sent_at"),
        ),
        sa.CheckConstraint(
            "attempts >= 0", name=op.f("ck_order_notifications_attempts_not_negative")
        ),
        sa.CheckConstraint(
            "event IN ('placed', 'confirmed', 'shipped', 'delivered', 'cancelled')",
            name=op.f("ck_order_notifications_event_known"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'parked', 'dropped')",
            name=op.f("ck_order_notifications_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.orders.id"],
            name=op.f("fk_order_notifications_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_notifications")),
        schema="orders",
    )
    op.create_index(
        op.f("ix_order_notifications_order_id"),
        "order_notifications",
        ["order_id"],
        unique=False,
        schema="orders",
    )
    op.create_index(
        "ix_order_notifications_pending_next_attempt_at",
        "order_notifications",
        ["next_attempt_at"],
        unique=False,
        schema="orders",
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        "ix_order_notifications_state_created_at",
        "order_notifications",
        ["state", "created_at"],
        unique=False,
        schema="orders",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_order_notifications_state_created_at",
        table_name="order_notifications",
        schema="orders",
    )
    op.drop_index(
        "ix_order_notifications_pending_next_attempt_at",
        table_name="order_notifications",
        schema="orders",
    )
    op.drop_index(
        op.f("ix_order_notifications_order_id"), table_name="order_notifications", schema="orders"
    )
    op.drop_table("order_notifications", schema="orders")
