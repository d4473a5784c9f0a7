"""Alembic migrations of the ledger schema, run programmatically by `guarantor.ledger.database`."""
