"""``qbwc-service reconcile``: the latest reconciliation run of a period, or a new one."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from qbwc_service.commands import parse_day
from qbwc_service.context import AppContext
from qbwc_service.reconcile.exceptions import ReconcileError
from qbwc_service.services.reconciliation import reconcile_company

__all__ = ["register"]

_STATUS_TEXT = {
    "waiting": "waiting for the Web Connector: its next run sends the read-back queries; "
               "run this command again afterwards",
    "answered": "QuickBooks answered; the comparison runs on the next read",
    "complete": "complete",
    "failed": "failed",
}


def period(day: str | None, first: str | None, last: str | None, *,
           today: date | None = None) -> tuple[date, date]:
    """The period the options name; yesterday when none is given."""
    if day and (first or last):
        raise click.UsageError("use either --date or --from/--to")
    if day:
        single = parse_day(day, "--date")
        return single, single
    if first or last:
        date_from = parse_day(first or last or "", "--from")
        date_to = parse_day(last or first or "", "--to")
        if date_from > date_to:
            raise click.BadParameter(f"{date_from} is after --to {date_to}", param_hint="--from")
        return date_from, date_to
    yesterday = (today or datetime.now(UTC).date()) - timedelta(days=1)
    return yesterday, yesterday


def _print(report: dict[str, Any], started: bool) -> None:
    console = Console()
    status = report["status"]
    console.print(f"{report['company']}: {report['from']} to {report['to']}, run "
                  f"#{report['run']}{' (started now)' if started else ''}: "
                  f"{_STATUS_TEXT.get(status, status)}")
    if report.get("message"):
        console.print(report["message"])
    if status != "complete":
        return
    currency = report.get("currency") or ""
    table = Table(title=f"per day ({currency})" if currency else "per day")
    for column in ("day", "documents", "invoiced M", "invoiced QB", "refunds M", "refunds QB",
                   "payments M", "payments QB", "variances"):
        table.add_column(column, justify="right")
    for day in report["days"]:
        m, q = day["magento"], day["quickbooks"]
        table.add_row(day["day"], str(day["documents"]), m["invoiced"], q["invoiced"],
                      m["refunds"], q["refunds"], m["payments"], q["payments"],
                      str(day["variances"]))
    console.print(table)
    for variance in report["variances"]:
        console.print(f"[bold]{variance['reason']}[/bold] {variance['detail']}")
    for line in report["reported"]:
        console.print(f"reported ({line['reason']}): {line['detail']}")
    for flag in report["anomalies"]:
        console.print(f"anomaly ({flag['flag']}): {flag['detail']}")
    if not report["variances"]:
        console.print("no variances")


def register(cli: click.Group) -> None:
    @cli.command("reconcile")
    @click.argument("company")
    @click.option("--date", "day", default=None, help="One day (default: yesterday).")
    @click.option("--from", "first", default=None, help="First day of a range.")
    @click.option("--to", "last", default=None, help="Last day of a range.")
    @click.option("--refresh", is_flag=True, help="Ask QuickBooks again (a run still waiting is reused).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON with a `variances` list.")
    @click.pass_obj
    def reconcile_command(obj: AppContext, company: str, day: str | None, first: str | None,
                          last: str | None, refresh: bool, as_json: bool) -> None:
        """Magento beside what QuickBooks itself holds, per document and per account.

        Reads the latest run of the period; starts one (queued for the Web Connector)
        when there is none or with --refresh. Exits 1 when the run failed.
        """
        date_from, date_to = period(day, first, last)
        try:
            outcome = reconcile_company(obj, company, date_from, date_to, refresh=refresh)
        except ReconcileError as exc:
            raise click.ClickException(str(exc)) from exc
        if as_json:
            click.echo(json.dumps(outcome.report, indent=2))
        else:
            _print(outcome.report, outcome.started)
        if outcome.report["status"] == "failed":
            click.get_current_context().exit(1)  # the run says why; --refresh asks again
