"""``qbwc-service sync``: one-shot pulls (``reconcile`` lives in ``commands.reconcile``)."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from qbwc_service.commands import parse_day, service_errors
from qbwc_service.context import AppContext
from qbwc_service.services import sync

__all__ = ["register"]


def _sync(ctx: AppContext, company: str, entity: str | None, since: str | None,
          dry_run: bool, initial: bool = False) -> None:
    console = Console()
    since_day = parse_day(since, "--since") if since else None
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed} read"), console=console,
                  transient=True) as progress:
        tasks: dict[str, Any] = {}

        def advance(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(f"{company}: {name}", total=total)
            progress.update(tasks[name], completed=done, total=total)

        with service_errors():
            report = sync.pull(ctx, company, entity=entity, since=since_day, dry_run=dry_run,
                               initial=initial, progress=advance)
    if dry_run:
        table = Table(title=f"Would queue for {company}")
        for column in ("operation", "key", "amount", "held because"):
            table.add_column(column)
        for planned in report.queued:
            table.add_row(planned.operation, planned.key,
                          "" if planned.amount is None else str(planned.amount),
                          planned.hold_reason or "")
        console.print(table)
    for name, count in report.read.items():
        queued = report.queued_by_entity.get(name)
        console.print(f"{name}: read {count}" + ("" if queued is None else
                      f", {'would queue' if dry_run else 'queued'} {queued}"))
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
    @click.option("--entity", type=click.Choice(sync.ENTITIES), default=None,
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
