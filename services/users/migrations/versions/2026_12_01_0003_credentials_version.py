"""credentials version on accounts and logins

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:30:00.000000

Every account gets a credentials version (0), raised by a password change or a
deactivation; every login (refresh token family) records the version it was granted under.
Existing logins are recorded at 0, the version every existing account starts at, so they
stay valid.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("credentials_version", sa.Integer(), server_default="0", nullable=False),
        schema="users",
    )
    # The default only fills the existing rows: every login states its version itself.
    op.add_column(
        "refresh_token_families",
        sa.Column("credentials_version", sa.Integer(), server_default="0", nullable=False),
        schema="users",
    )
    op.alter_column(
        "refresh_token_families", "credentials_version", server_default=None, schema="users"
    )


def downgrade() -> None:
    op.drop_column("refresh_token_families", "credentials_version", schema="users")
    op.drop_column("users", "credentials_version", schema="users")
