"""Shared fixtures: the real data folder beside the checkout and the PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
PG_ADMIN_URL = os.environ.get(
    "GUARANTOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data in ../shared/data; skips the test when it is absent."""
    if not (SHARED_DATA / "PROVENANCE.md").exists():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (see ../shared/data/PROVENANCE.md)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The encoded example agreements and scenarios."""
    return REPO_ROOT / "examples"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database on 127.0.0.1:5432 for this test session, dropped afterwards."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    admin = sqlalchemy.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"guarantor_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # the server is part of the machine; say so plainly if it is down
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}")
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
