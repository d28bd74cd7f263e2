"""``sandbox exec`` (one qbXML message set through the simulated QuickBooks) and ``sandbox
report`` (what the simulated company holds, its books included)."""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from qbwc_service.context import AppContext
from qbwc_service.sandbox.quickbooks import (
    RELEASES,
    QbHresultError,
    QuickBooksSimulator,
    report,
)
from qbwc_service.sandbox.report_text import report_lines

__all__ = ["RELEASE", "company_db_option", "register", "xsd_dir_option"]

HRESULT_EXIT_STATUS = 3
USAGE_EXIT_STATUS = 2
RELEASE = click.Choice(sorted(RELEASES))


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


def company_db_option(ctx: click.Context, value: str | None) -> Path:
    if value:
        return Path(value)
    app: AppContext = ctx.obj
    return app.settings.data_dir / "sandbox" / "company.sqlite3"


def xsd_dir_option(ctx: click.Context, value: str | None) -> Path | None:
    if value:
        return Path(value)
    configured = ctx.obj.settings.qbxml_xsd_dir if ctx.obj is not None else ""
    return Path(configured) if configured else None


@click.group("sandbox")
def sandbox() -> None:
    """The simulated QuickBooks company: run requests, report what it holds."""


@sandbox.command("exec", cls=_OneLineUsageCommand)
@click.option("--company-db", default=None, help="Simulated company file (SQLite).")
@click.option("--qb-release", type=RELEASE, default="enterprise-2023", show_default=True)
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
    path = company_db_option(ctx, company_db)
    try:
        simulator = QuickBooksSimulator(path, release=qb_release,
                                        xsd_dir=xsd_dir_option(ctx, xsd_dir),
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
    path = company_db_option(ctx, company_db)
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
    for line in report_lines(summary):
        click.echo(line)


def register(cli: click.Group) -> None:
    cli.add_command(sandbox)
