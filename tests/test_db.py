"""The schema upgrades cleanly on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from qbwc_service.db import Database


def test_sqlite_schema_upgrade_is_idempotent(db: Database) -> None:
    """Upgrading twice leaves one schema with the queue's tables."""
    db.upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert {"requests", "attempts", "mappings", "wc_sessions", "companies"} <= tables


def test_sqlite_runs_in_wal_mode(db: Database) -> None:
    """The embedded default keeps a write-ahead log so readers never block the Web Connector."""
    with db.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"


def test_postgres_schema_upgrade(pg_db: Database) -> None:
    """The same models create the schema on PostgreSQL."""
    tables = set(inspect(pg_db.engine).get_table_names())
    assert "requests" in tables and "message_sets" in tables


def _drift(database: Database) -> list[object]:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from qbwc_service.db.models import Base

    with database.engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def test_migrations_match_the_models(db: Database) -> None:
    """The Alembic revisions create exactly what the models describe: no drift (SQLite)."""
    assert _drift(db) == []


def test_migrations_match_the_models_on_postgres(pg_db: Database) -> None:
    """The same revisions leave no drift on PostgreSQL."""
    assert _drift(pg_db) == []
