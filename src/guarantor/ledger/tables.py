"""The ledger's tables (SQLAlchemy Core): records, the chain head, parties and API tokens."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

GENESIS_HASH = "0" * 64

# One row per append-only record. `seq` is assigned under the chain lock, so it is gap-free.
records = Table(
    "records",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("kind", String(64), nullable=False),
    Column("party", String(128), nullable=False),
    Column("key", String(300), nullable=True),
    Column("payload", Text, nullable=False),  # canonical JSON text, hashed byte for byte
    Column("refs", Text, nullable=False),  # canonical JSON list of referenced seqs
    Column("signature", Text, nullable=True),  # base64 Ed25519 over the signing bytes
    Column("recorded_at", String(32), nullable=False),  # ISO 8601 UTC
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_records_kind_seq", "kind", "seq"),
    Index("ix_records_party_seq", "party", "seq"),
    Index("ux_records_key", "key", unique=True),
)

# Exactly one row (id = 1): the last seq and hash. Writers lock it to serialise appends.
chain_head = Table(
    "chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

parties = Table(
    "parties",
    metadata,
    Column("name", String(128), primary_key=True),  # keys live in the chain (party_key records)
    Column("created_at", String(32), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the secret
    Column("party", String(128), nullable=False),
    Column("role", String(32), nullable=False),
    Column("label", String(128), nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("created_at", String(32), nullable=False),
)
