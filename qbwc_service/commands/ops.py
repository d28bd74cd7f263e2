"""Operations commands: backup, restore, purge-customer, audit verify.

Each is a use case: ``services.backup``, ``services.purge``, ``services.audit``.
"""

from __future__ import annotations

from pathlib import Path

import click

from qbwc_service.commands import service_errors
from qbwc_service.context import AppContext
from qbwc_service.services.audit import verify_chain
from qbwc_service.services.backup import backup_sqlite, restore_sqlite, sqlite_path
from qbwc_service.services.purge import purge_customer_data

__all__ = ["register"]


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_obj
def backup_command(ctx: AppContext, destination: Path, force: bool) -> None:
    """Copy the SQLite database to DESTINATION while the service keeps running."""
    with service_errors():
        sqlite_path(ctx.settings.resolved_database_url)
        if destination.exists() and not force:
            raise click.ClickException(f"{destination} exists; pass --force to overwrite it")
        size = backup_sqlite(ctx.db, destination)
    click.echo(f"backed up to {destination} ({size} bytes, integrity ok)")


@click.command("restore")
@click.argument("backup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def restore_command(ctx: AppContext, backup: Path, yes: bool) -> None:
    """Replace the SQLite database with BACKUP (stop the service first)."""
    with service_errors():
        target = sqlite_path(ctx.settings.resolved_database_url)
        if not yes:
            click.confirm(f"Replace {target} with {backup}?", abort=True)
        kept = restore_sqlite(ctx.db, backup)
    note = f"; the previous data is in {kept}" if kept.exists() else ""
    click.echo(f"restored {backup}{note}")


@click.command("purge-customer")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Only count what would be purged.")
@click.pass_obj
def purge_customer_command(ctx: AppContext, email: str, yes: bool, dry_run: bool) -> None:
    """Remove one customer's personal data; accounting facts stay.

    Backups taken before still hold the data: see the README, "Backups"."""
    if "@" in email and not yes and not dry_run:
        click.confirm("Purge this customer's personal data? This cannot be undone", abort=True)
    with service_errors():
        report, problem = purge_customer_data(ctx.db, email, actor="cli", dry_run=dry_run)
    figures = ", ".join(f"{count} {name.replace('_', ' ')}"
                        for name, count in report.as_dict().items() if name != "outstanding")
    if dry_run:
        click.echo(f"would purge: {figures} (nothing was changed)")
    else:
        click.echo(f"purged: {figures}")
    if problem:
        click.echo(f"warning: {problem}", err=True)
    if report.outstanding:
        click.echo(
            f"{report.outstanding} request(s) for this customer are still owed to QuickBooks "
            "and were left as they are; run the command again once they are settled.")


@click.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
@click.pass_obj
def audit_verify_command(ctx: AppContext) -> None:
    """Check the audit trail's hash chain; exit 1 naming the first broken events."""
    with ctx.db.session() as session:
        broken = verify_chain(session)
    if broken:
        shown = ", ".join(str(event_id) for event_id in broken[:20])
        more = f" and {len(broken) - 20} more" if len(broken) > 20 else ""
        raise click.ClickException(
            f"audit chain broken at event(s) {shown}{more}: rows were edited or deleted")
    click.echo("audit chain intact")


def register(cli: click.Group) -> None:
    for command in (backup_command, restore_command, purge_customer_command, audit_group):
        cli.add_command(command)
