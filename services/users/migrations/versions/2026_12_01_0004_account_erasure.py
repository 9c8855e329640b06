"""account erasure: what is left of erased accounts, and their names held back

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 17:00:00.000000

An erased account's `users` row is deleted (its logins go with it, ON DELETE CASCADE);
`erased_accounts` keeps its id, role and dates, nothing personal. `erased_names` holds the
keyed digests of its username and email until they may be registered again.
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
        "erased_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "erased_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("erased_by", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "role IN ('customer', 'admin')", name=op.f("ck_erased_accounts_role_known")
        ),
        sa.CheckConstraint(
            "erased_by IN ('owner', 'admin')", name=op.f("ck_erased_accounts_erased_by_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erased_accounts")),
        schema="users",
    )
    op.create_table(
        "erased_names",
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('email', 'username')", name=op.f("ck_erased_names_kind_known")
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_erased_names")),
        schema="users",
    )
    op.create_index(
        op.f("ix_erased_names_held_until"),
        "erased_names",
        ["held_until"],
        unique=False,
        schema="users",
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_erased_names_held_until"), table_name="erased_names", schema="users")
    op.drop_table("erased_names", schema="users")
    op.drop_table("erased_accounts", schema="users")
