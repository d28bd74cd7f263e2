"""Operations commands: backup, restore, purge-customer, audit verify.

The purge itself is a use case in ``qbwc_service.services.purge``.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.services.purge import PURGED, PurgeReport, finish_purge, purge_customer

__all__ = [
    "PURGED",
    "PurgeReport",
    "backup_sqlite",
    "purge_customer",
    "register",
    "restore_sqlite",
]

def _sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise click.ClickException(
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
        raise click.ClickException(f"{path} is not a usable SQLite database: {exc}") from exc
    finally:
        connection.close()
    if verdict != "ok":
        raise click.ClickException(f"{path} failed the integrity check: {verdict}")
    if not {"alembic_version", "requests", "companies"} <= tables:
        raise click.ClickException(f"{path} is not a qbwc-service database")


def backup_sqlite(database: Database, destination: Path) -> int:
    """Copy the live database with SQLite's online backup API; returns the copy's size."""
    source_path = _sqlite_path(database.url)
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
    target_path = _sqlite_path(database.url)
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


def register(cli: click.Group) -> None:
    @cli.command("backup")
    @click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Overwrite an existing file.")
    @click.pass_obj
    def backup_command(ctx: AppContext, destination: Path, force: bool) -> None:
        """Copy the SQLite database to DESTINATION while the service keeps running."""
        _sqlite_path(ctx.settings.resolved_database_url)
        if destination.exists() and not force:
            raise click.ClickException(f"{destination} exists; pass --force to overwrite it")
        size = backup_sqlite(ctx.db, destination)
        click.echo(f"backed up to {destination} ({size} bytes, integrity ok)")

    @cli.command("restore")
    @click.argument("backup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @click.pass_obj
    def restore_command(ctx: AppContext, backup: Path, yes: bool) -> None:
        """Replace the SQLite database with BACKUP (stop the service first)."""
        target = _sqlite_path(ctx.settings.resolved_database_url)
        if not yes:
            click.confirm(f"Replace {target} with {backup}?", abort=True)
        kept = restore_sqlite(ctx.db, backup)
        note = f"; the previous data is in {kept}" if kept.exists() else ""
        click.echo(f"restored {backup}{note}")

    @cli.command("purge-customer")
    @click.argument("email")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @click.option("--dry-run", is_flag=True, help="Only count what would be purged.")
    @click.pass_obj
    def purge_customer_command(ctx: AppContext, email: str, yes: bool, dry_run: bool) -> None:
        """Remove one customer's personal data; accounting facts stay.

        Backups taken before still hold the data: see the README, "Backups"."""
        if "@" not in email:
            raise click.ClickException("EMAIL must be an e-mail address")
        if not yes and not dry_run:
            click.confirm("Purge this customer's personal data? This cannot be undone", abort=True)
        with ctx.db.session() as session:
            report = purge_customer(session, email, dry_run=dry_run)
            if dry_run:
                session.rollback()
        figures = ", ".join(
            f"{count} {name.replace('_', ' ')}" for name, count in report.as_dict().items()
            if name != "outstanding"
        )
        if dry_run:
            click.echo(f"would purge: {figures} (nothing was changed)")
        else:
            click.echo(f"purged: {figures}")
            problem = finish_purge(ctx.db)
            if problem:
                click.echo(f"warning: {problem}", err=True)
        if report.outstanding:
            click.echo(
                f"{report.outstanding} request(s) for this customer are still owed to QuickBooks "
                "and were left as they are; run the command again once they are settled."
            )

    @cli.group("audit")
    def audit_group() -> None:
        """The audit trail."""

    @audit_group.command("verify")
    @click.pass_obj
    def audit_verify_command(ctx: AppContext) -> None:
        """Check the audit trail's hash chain; exit 1 naming the first broken events."""
        from qbwc_service.services.audit import verify_chain

        with ctx.db.session() as session:
            broken = verify_chain(session)
        if broken:
            shown = ", ".join(str(event_id) for event_id in broken[:20])
            more = f" and {len(broken) - 20} more" if len(broken) > 20 else ""
            raise click.ClickException(
                f"audit chain broken at event(s) {shown}{more}: rows were edited or deleted"
            )
        click.echo("audit chain intact")

