"""Opening the ledger database: URL resolution, engines (SQLite WAL or PostgreSQL), migrations."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from guarantor.errors import UserError

ENV_VAR = "GUARANTOR_DATABASE_URL"
DEFAULT_SQLITE_FILE = "guarantor-ledger.sqlite"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
IMMEDIATE = "guarantor_sqlite_immediate"  # execution option: take SQLite's write lock at BEGIN


def resolve_url(database: str | None) -> str:
    """The database URL: the argument (URL or SQLite file path), else $GUARANTOR_DATABASE_URL, else ./guarantor-ledger.sqlite."""
    value = database or os.environ.get(ENV_VAR) or DEFAULT_SQLITE_FILE
    if "://" in value:
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def is_sqlite(engine: Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling does not emit BEGIN when we need it (SQLAlchemy docs,
    # "Serializable isolation / Savepoints / Transactional DDL"); we take over: BEGIN for reads,
    # BEGIN IMMEDIATE for appends so that concurrent writers queue on SQLite's write lock.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=120000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(IMMEDIATE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def open_engine(
    database: str | None = None,
    *,
    migrate: bool = True,
    pool_size: int = 10,
    create: bool = True,
) -> Engine:
    """An engine on the ledger database, with the schema migrated to the latest revision.

    With `create=False` (read-only commands) a SQLite file that does not exist is an error
    instead of a new, empty ledger.
    """
    url_text = resolve_url(database)
    try:
        url = make_url(url_text)
    except ArgumentError as exc:
        raise UserError(f"not a database URL or SQLite file path: {url_text!r} ({exc})") from None
    kwargs: dict[str, Any] = {"pool_size": pool_size, "max_overflow": 20}
    if url.get_backend_name() == "sqlite":
        path = url.database
        if path and path != ":memory:":
            parent = Path(path).expanduser().resolve().parent
            if not parent.is_dir():
                raise UserError(f"folder {parent} for the SQLite ledger does not exist")
            if not create and not Path(path).expanduser().is_file():
                what = "is a directory" if Path(path).expanduser().is_dir() else "does not exist"
                raise UserError(
                    f"ledger database {path} {what}; this command only reads a ledger "
                    "(import-kiel, append or party add create one)"
                )
        kwargs["connect_args"] = {"timeout": 120, "check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:  # unknown dialect, missing driver: the user's URL
        raise UserError(f"cannot open database {url.render_as_string()}: {exc}") from None
    if is_sqlite(engine):
        _configure_sqlite(engine)
    if migrate:
        try:
            upgrade(engine)
        except OperationalError as exc:
            raise UserError(f"cannot reach database {url.render_as_string()}: {exc.orig}") from None
    return engine


def upgrade(engine: Engine) -> None:
    """Run the Alembic migrations up to the latest revision (no alembic.ini needed)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn = conn.execution_options(**{IMMEDIATE: True})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()
