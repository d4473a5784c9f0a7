"""Fixtures of the API tests: the ledger tests' empty database per test, on SQLite and PostgreSQL."""

from tests.ledger.conftest import db_url, engine, reset_postgres

__all__ = ["db_url", "engine", "reset_postgres"]
