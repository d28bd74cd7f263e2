"""Sandbox commands: ``simulate`` (a Web Connector run), ``sandbox exec``, ``sandbox report``."""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from qbwc_service.context import AppContext
from qbwc_service.sandbox.exceptions import WebConnectorError
from qbwc_service.sandbox.quickbooks import (
    RELEASES,
    QbFaults,
    QbHresultError,
    QuickBooksSimulator,
    report,
)
from qbwc_service.sandbox.webconnector import WebConnector

__all__ = ["register"]

HRESULT_EXIT_STATUS = 3
USAGE_EXIT_STATUS = 2
_RELEASE = click.Choice(sorted(RELEASES))


class _UsageError(click.ClickException):
    """A one-line ``Error: ...`` with exit status 2: bad arguments or an unreadable file."""

    exit_code = USAGE_EXIT_STATUS


class _OneLineUsageCommand(click.Command):
    """Reports bad arguments as one line (click's usage block is for people, not scripts)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _UsageError(f"sandbox exec: {exc.format_message()}") from None


def _company_db(ctx: click.Context, value: str | None) -> Path:
    if value:
        return Path(value)
    app: AppContext = ctx.obj
    return app.settings.data_dir / "sandbox" / "company.sqlite3"


def _xsd_dir(ctx: click.Context, value: str | None) -> Path | None:
    if value:
        return Path(value)
    configured = ctx.obj.settings.qbxml_xsd_dir if ctx.obj is not None else ""
    return Path(configured) if configured else None


@click.command("simulate")
@click.option("--url", required=True,
              help="The service's Web Connector URL, e.g. http://localhost:8000/qbwc.")
@click.option("--username", required=True, help="Web Connector user (`qbwc-service user add`).")
@click.option("--password", required=True, help="That user's password.")
@click.option("--company-db", default=None, show_default="DATA_DIR/sandbox/company.sqlite3",
              help="Simulated company file (SQLite).")
@click.option("--qb-release", type=_RELEASE, default="enterprise-2023", show_default=True,
              help="QuickBooks release the simulator behaves as.")
@click.option("--latency-ms", type=int, default=0, show_default=True,
              help="Delay QuickBooks adds to each message set.")
@click.option("--faults", default="", help='Injected faults, e.g. "lose_response=0.1,busy=0.05".')
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the faults.")
@click.option("--sessions", type=click.IntRange(1), default=1, show_default=True,
              help="Web Connector runs to make.")
@click.option("--every-seconds", type=float, default=0.0, show_default=True,
              help="Pause between runs (the server's minimum interval wins when longer).")
@click.option("--noop-pause", type=float, default=5.0, show_default=True,
              help="Seconds the Web Connector waits after a NoOp.")
@click.option("--wsdl", default=None, show_default="URL?wsdl", help="WSDL file.")
@click.option("--xsd-dir", default=None, show_default="qbxml_xsd_dir of the config",
              help="qbXML XSD folder (13.0/, 16.0/).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def simulate(ctx: click.Context, url: str, username: str, password: str,
             company_db: str | None, qb_release: str, latency_ms: int, faults: str, seed: int,
             sessions: int, every_seconds: float, noop_pause: float, wsdl: str | None,
             xsd_dir: str | None, as_json: bool) -> None:
    """Run the simulated Web Connector against URL with the simulated QuickBooks.

    Exits 1 when any run could not connect, log in, or ended in an error.
    """
    try:
        fault_spec = QbFaults.parse(faults)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from exc
    path = _company_db(ctx, company_db)
    simulator = QuickBooksSimulator(path, release=qb_release, xsd_dir=_xsd_dir(ctx, xsd_dir),
                                    latency_ms=latency_ms, faults=fault_spec, seed=seed)
    connector = WebConnector(url, username, password, simulator, wsdl=wsdl,
                             noop_pause_seconds=noop_pause)
    try:
        summary = connector.run(sessions=sessions, every_seconds=every_seconds)
    except WebConnectorError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        simulator.close()
    counts = report(path)
    result = summary.as_dict({"lists": counts["lists"], "transactions": counts["transactions"]})
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        _print_sessions(summary.sessions, result)
    failed = [(n, s.problem) for n, s in enumerate(summary.sessions, start=1) if s.problem]
    for number, problem in failed:
        click.echo(f"Error: session {number}: {problem}", err=True)
    if failed:
        ctx.exit(1)


def _print_sessions(sessions: list[Any], result: dict[str, Any]) -> None:
    for number, session in enumerate(sessions, start=1):
        click.echo(f"session {number}: {session.outcome}; {session.message_sets} message sets, "
                   f"{session.requests} requests; calls: {' '.join(session.calls)}")
        if session.last_error and not session.problem:
            click.echo(f"  last error: {session.last_error}")
    click.echo(f"requests {result['requests']}, succeeded {result['succeeded']}, failed "
               f"{result['failed_by_status'] or 0} in {result['seconds']} s")


@click.group("sandbox")
def sandbox() -> None:
    """The simulated QuickBooks company: run requests, report what it holds."""


@sandbox.command("exec", cls=_OneLineUsageCommand)
@click.option("--company-db", default=None, help="Simulated company file (SQLite).")
@click.option("--qb-release", type=_RELEASE, default="enterprise-2023", show_default=True)
@click.option("--xsd-dir", default=None, help="qbXML XSD folder (13.0/, 16.0/).")
@click.option("--single-site", is_flag=True, help="Multi-location inventory turned off.")
@click.argument("source", default="-")
@click.pass_context
def exec_request(ctx: click.Context, company_db: str | None, qb_release: str,
                 xsd_dir: str | None, single_site: bool, source: str) -> None:
    """Run one qbXML request message set (FILE or - for stdin) and print the response.

    Exit status: 0 when QuickBooks answered (whatever each request's statusCode), 3 when it
    refused the whole stream (the ``hresult=`` line), 2 on bad arguments or an unreadable file.
    """
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else \
            "not UTF-8 text"
        raise _UsageError(f"sandbox exec: cannot read {source}: {reason}") from None
    path = _company_db(ctx, company_db)
    try:
        simulator = QuickBooksSimulator(path, release=qb_release,
                                        xsd_dir=_xsd_dir(ctx, xsd_dir),
                                        multi_site=not single_site)
    except (sqlite3.Error, OSError) as exc:
        raise _UsageError(f"sandbox exec: cannot open the company file {path}: {exc}") from None
    try:
        click.echo(simulator.process(text), nl=False)
    except QbHresultError as refusal:
        detail = f" detail={refusal.detail}" if refusal.detail else ""
        click.echo(f"hresult={refusal.hresult} message={refusal.message}{detail}")
        ctx.exit(HRESULT_EXIT_STATUS)
    finally:
        simulator.close()


@sandbox.command("report")
@click.option("--company-db", default=None, help="Simulated company file (SQLite).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--from", "from_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day of the profit and loss (YYYY-MM-DD).")
@click.option("--to", "to_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last day of every report (YYYY-MM-DD).")
@click.pass_context
def report_command(ctx: click.Context, company_db: str | None, as_json: bool,
                   from_date: datetime | None, to_date: datetime | None) -> None:
    """The company's books (trial balance, profit and loss, balance sheet, customers with
    credit, inventory), counts, duplicates and totals per day."""
    path = _company_db(ctx, company_db)
    if not path.is_file():
        raise click.ClickException(f"no simulated company at {path}")
    try:
        summary: dict[str, Any] = report(
            path, from_date.date().isoformat() if from_date else None,
            to_date.date().isoformat() if to_date else None)
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"cannot read the company file {path}: {exc}") from None
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"company {summary['company_db']}")
    for title in ("lists", "transactions"):
        click.echo(f"{title}:")
        for kind, count in summary[title].items():
            click.echo(f"  {kind:<22}{count:>8}")
    click.echo(f"duplicates: {len(summary['duplicates'])}")
    for duplicate in summary["duplicates"]:
        click.echo(f"  {duplicate['type']} {duplicate['field']}={duplicate['value']}: "
                   f"{', '.join(duplicate['txn_ids'])}")
    click.echo("totals by day:")
    for day, kinds in summary["totals_by_day"].items():
        click.echo(f"  {day} " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    _echo_books(summary)


def _echo_books(summary: dict[str, Any]) -> None:
    if "trial_balance" not in summary:
        click.echo(f"books: {summary['ledger']}")
        return
    trial = summary["trial_balance"]
    click.echo("trial balance:" + ("" if trial["balanced"] else "  NOT BALANCED"))
    for row in trial["accounts"]:
        click.echo(f"  {row['account']:<28}{row['type']:<24}{row['debit']:>12}{row['credit']:>12}")
    click.echo(f"  {'total':<52}{trial['total_debit']:>12}{trial['total_credit']:>12}")
    pnl = summary["profit_and_loss"]
    click.echo(f"profit and loss: income {pnl['total_income']}, cost of goods sold "
               f"{pnl['total_cost_of_goods_sold']}, expenses {pnl['total_expenses']}, "
               f"net income {pnl['net_income']}")
    sheet = summary["balance_sheet"]
    click.echo(f"balance sheet: assets {sheet['total_assets']}, liabilities "
               f"{sheet['total_liabilities']}, equity {sheet['total_equity']}")
    click.echo(f"customers with credit: {len(summary['customers_with_credit'])}")
    for row in summary["customers_with_credit"]:
        click.echo(f"  {row['customer']}: balance {row['balance']}, open credit memos "
                   f"{row['open_credit_memos']}")
    click.echo("inventory:")
    for row in summary["inventory"]:
        click.echo(f"  {row['item']}: {row['quantity']} worth {row['value']} (average cost "
                   f"{row['average_cost'] or '-'})")


def register(cli: click.Group) -> None:
    cli.add_command(simulate)
    cli.add_command(sandbox)
