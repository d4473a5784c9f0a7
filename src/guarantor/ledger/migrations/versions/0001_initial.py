"""Initial ledger schema: records, chain head, parties, tokens.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    """Create the tables and the genesis chain head."""
    op.create_table(
        "records",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("party", sa.String(128), nullable=False),
        sa.Column("key", sa.String(300), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("refs", sa.Text, nullable=False),
        sa.Column("signature", sa.Text, nullable=True),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_records_kind_seq", "records", ["kind", "seq"])
    op.create_index("ix_records_party_seq", "records", ["party", "seq"])
    op.create_index("ux_records_key", "records", ["key"], unique=True)
    head = op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])
    op.create_table(
        "parties",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("public_key", sa.Text, nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("party", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("label", sa.String(128), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    """Drop everything."""
    op.drop_table("tokens")
    op.drop_table("parties")
    op.drop_table("chain_head")
    op.drop_index("ux_records_key", "records")
    op.drop_index("ix_records_party_seq", "records")
    op.drop_index("ix_records_kind_seq", "records")
    op.drop_table("records")
