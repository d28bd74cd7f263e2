"""``qbwc-service sync`` and ``qbwc-service reconcile``: one-shot pulls and daily checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from qbwc_service.context import AppContext
from qbwc_service.sync.config import magento_client_for
from qbwc_service.sync.exceptions import SyncError
from qbwc_service.sync.reconcile import reconcile_from_magento
from qbwc_service.sync.runner import ENTITIES, INITIAL, get_company, pull_and_enqueue

__all__ = ["make_client", "register"]


def make_client(ctx: AppContext, company_name: str) -> Any:
    """The Magento client of a company, from ``[companies.NAME.magento]``."""
    try:
        return magento_client_for(ctx.settings, company_name)
    except SyncError as exc:
        raise click.ClickException(str(exc)) from exc


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2024-03-31", param_hint=option) \
            from exc


def _sync(ctx: AppContext, company: str, entity: str | None, since: str | None,
          dry_run: bool, initial: bool = False) -> None:
    console = Console()
    entities = INITIAL if initial else (entity,) if entity else ("orders", "invoices",
                                                                   "creditmemos")
    since_at = datetime.combine(_day(since, "--since"), datetime.min.time(), tzinfo=UTC) \
        if since else None
    client = make_client(ctx, company)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed} read"), console=console,
                  transient=True) as progress:
        tasks: dict[str, Any] = {}

        def advance(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(f"{company}: {name}", total=total)
            progress.update(tasks[name], completed=done, total=total)

        try:
            report = pull_and_enqueue(ctx, company, client=client, entities=entities,
                                      since=since_at, dry_run=dry_run, progress=advance)
        except SyncError as exc:
            raise click.ClickException(str(exc)) from exc
    if dry_run:
        table = Table(title=f"Would queue for {company}")
        for column in ("operation", "key", "amount", "held because"):
            table.add_column(column)
        for planned in report.queued:
            table.add_row(planned.operation, planned.key,
                          "" if planned.amount is None else str(planned.amount),
                          planned.hold_reason or "")
        console.print(table)
    read = ", ".join(f"{name} {count}" for name, count in report.read.items())
    console.print(f"read: {read or 'nothing'}; {'would queue' if dry_run else 'queued'} "
                  f"{report.created} new, {report.changed} changed, {report.unchanged} "
                  f"unchanged, {report.held} held" + (" (dry run: nothing queued)"
                                                     if dry_run else ""))
    for line in report.skipped:
        console.print(f"skipped: {line}")
    for line in report.errors:
        console.print(f"[red]error:[/red] {line}")


def register(cli: click.Group) -> None:
    @cli.command("sync")
    @click.argument("company")
    @click.option("--entity", type=click.Choice(ENTITIES), default=None,
                  help="Pull one kind of document (default: orders, invoices, credit memos).")
    @click.option("--since", default=None, help="Pull from this date (UTC) instead of the watermark.")
    @click.option("--dry-run", is_flag=True, help="Print what would be queued; queue nothing.")
    @click.option("--initial", is_flag=True,
                  help="magento_to_quickbooks stock mode: every product as an item, then "
                       "Magento's quantities and costs as opening quantities.")
    @click.pass_obj
    def sync_command(obj: AppContext, company: str, entity: str | None, since: str | None,
                     dry_run: bool, initial: bool) -> None:
        """Pull Magento documents for COMPANY and queue their QuickBooks requests."""
        if initial and entity:
            raise click.UsageError("use either --initial or --entity")
        _sync(obj, company, entity, since, dry_run, initial)

    @cli.command("reconcile")
    @click.argument("company")
    @click.option("--date", "day", default=None, help="One day (default: yesterday).")
    @click.option("--from", "first", default=None, help="First day of a range.")
    @click.option("--to", "last", default=None, help="Last day of a range.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON with a `variances` list.")
    @click.pass_obj
    def reconcile_command(obj: AppContext, company: str, day: str | None, first: str | None,
                          last: str | None, as_json: bool) -> None:
        """Magento totals beside what QuickBooks recorded, per day, with every variance."""
        if day and (first or last):
            raise click.UsageError("use either --date or --from/--to")
        if day:
            date_from = date_to = _day(day, "--date")
        elif first or last:
            date_from = _day(first or last or "", "--from")
            date_to = _day(last or first or "", "--to")
        else:
            date_from = date_to = datetime.now(UTC).date() - timedelta(days=1)
        client = make_client(obj, company)
        with obj.db.session() as session:
            try:
                row = get_company(session, company)
                report = reconcile_from_magento(session, obj.settings, row, date_from, date_to,
                                                client=client)
            except SyncError as exc:
                raise click.ClickException(str(exc)) from exc
        if as_json:
            click.echo(report.to_json())
            return
        console = Console()
        table = Table(title=f"{company}: {date_from} to {date_to}")
        for column in ("day", "invoiced (Magento)", "invoiced (QuickBooks)",
                       "refunds (Magento)", "refunds (QuickBooks)", "payments (Magento)",
                       "payments (QuickBooks)"):
            table.add_column(column, justify="right")
        for totals in report.days:
            m, q = totals.magento, totals.quickbooks
            table.add_row(str(totals.day), str(m["invoiced"]), str(q["invoiced"]),
                          str(m["refunds"]), str(q["refunds"]), str(m["payments"]),
                          str(q["payments"]))
        console.print(table)
        for variance in report.variances:
            console.print(f"{variance.document}: Magento {variance.magento_amount}, QuickBooks "
                          f"{variance.quickbooks_amount} — {variance.reason} {variance.detail}")
        if not report.variances:
            console.print("no variances")
