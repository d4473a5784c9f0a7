"""Party keys live in the chain only: drop the mutable parties.public_key column.

Every key ever set in that column was also written as a chained `party_key` record, which is
what `verify` and the writers read now.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("public_key")


def downgrade() -> None:
    """Add the column back (empty)."""
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("public_key", sa.Text, nullable=True))
