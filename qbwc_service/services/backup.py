"""Backup and restore of the embedded SQLite database, online and integrity-checked.

PostgreSQL installations use ``pg_dump`` and ``pg_restore`` (deploy/README.md).
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from qbwc_service.db import Database
from qbwc_service.services.exceptions import ServiceError

__all__ = ["BackupError", "backup_sqlite", "restore_sqlite", "sqlite_path"]


class BackupError(ServiceError):
    """A backup or restore cannot be made; the message says why."""


def sqlite_path(url: str) -> Path:
    """The SQLite file of ``url``; :class:`BackupError` for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise BackupError(
            "backup and restore work on the embedded SQLite database; for PostgreSQL "
            "use pg_dump and pg_restore (see deploy/README.md)"
        )
    return Path(parsed.database)


def _check_integrity(path: Path) -> None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable SQLite database: {exc}") from exc
    finally:
        connection.close()
    if verdict != "ok":
        raise BackupError(f"{path} failed the integrity check: {verdict}")
    if not {"alembic_version", "requests", "companies"} <= tables:
        raise BackupError(f"{path} is not a qbwc-service database")


def backup_sqlite(database: Database, destination: Path) -> int:
    """Copy the live database with SQLite's online backup API; returns the copy's size."""
    source_path = sqlite_path(database.url)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    # The copy holds customer data: create it owner-only before a byte is written.
    partial.touch(mode=0o600)
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(partial)
    try:
        with target:
            source.backup(target, pages=1024)
        # One self-contained file: a WAL beside the copy would be lost when it is moved.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    _check_integrity(partial)
    os.replace(partial, destination)
    return destination.stat().st_size


def restore_sqlite(database: Database, backup: Path) -> Path:
    """Replace the database's contents with ``backup``; returns where the old data was kept."""
    target_path = sqlite_path(database.url)
    _check_integrity(backup)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = target_path.with_name(f"{target_path.name}.before-restore-{stamp}")
    if target_path.exists():
        backup_sqlite(database, kept)
    database.dispose()
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    target = sqlite3.connect(target_path)
    try:
        # The backup API writes through SQLite's locks and the WAL, unlike a file copy.
        source.backup(target)
    finally:
        target.close()
        source.close()
    # A backup from an older release is brought up to the current schema.
    database.upgrade()
    return kept
