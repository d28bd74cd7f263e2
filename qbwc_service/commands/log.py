"""The request log for bookkeepers: ``log``, ``log show``, ``log export``. The log, its
filter and its exports are ``services.log`` and ``services.export``, the same as the
console's."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from qbwc_service import queue
from qbwc_service.commands import service_errors
from qbwc_service.context import AppContext
from qbwc_service.qbxml.pretty import pretty_xml
from qbwc_service.services import export
from qbwc_service.services.log import STATUSES, LogFilter, company_filter, iter_log
from qbwc_service.services.request_detail import request_detail

__all__ = ["register"]


def _filters(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--company", help="Company name or id."),
        click.option("--status", type=click.Choice(STATUSES),
                     help="Only requests in this state (default: all)."),
        click.option("--magento", "magento_ref", help="Magento order number, SKU or reference."),
        click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
                     help="Created on or after this date (UTC)."),
        click.option("--limit", type=int, default=None, help="At most this many rows."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _log_filter(session: Any, company: str | None, status: str | None,
                magento_ref: str | None, since: datetime | None) -> LogFilter:
    return LogFilter(company_id=company_filter(session, company), status=status,
                     magento_ref=magento_ref, since=since.replace(tzinfo=UTC) if since else None)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


@click.group(name="log", invoke_without_command=True)
@_filters
@click.pass_context
def log_group(ctx: click.Context, company: str | None, status: str | None,
              magento_ref: str | None, since: datetime | None, limit: int | None) -> None:
    """The request log: what was sent to QuickBooks and what came back."""
    if ctx.invoked_subcommand is not None:
        return
    table = Table("ID", "Company", "Operation", "Status", "Magento", "QuickBooks", "Code",
                  "Updated", "Message")
    app: AppContext = ctx.obj
    with service_errors(), app.db.session() as session:
        log_filter = _log_filter(session, company, status, magento_ref, since)
        for request, company_name in iter_log(session, log_filter, limit=limit or 50):
            table.add_row(
                str(request.id), company_name, request.operation, request.status,
                request.magento_ref or "", request.qb_ref or request.qb_id or "",
                "" if request.status_code is None else str(request.status_code),
                _when(request.updated_at),
                request.waiting_reason or request.explanation or request.hold_reason or "")
    Console(width=160).print(table)


@log_group.command(name="show")
@click.argument("request_id", type=int)
@click.pass_obj
def show(ctx: AppContext, request_id: int) -> None:
    """One request: its qbXML both ways, attempts, transitions and dependencies."""
    with service_errors(), ctx.db.session() as session:
        detail = request_detail(session, request_id)
        request, echo = detail.request, click.echo
        echo(f"Request {queue.describe(request)}: {request.status}")
        for label, value in (
            ("Magento", request.magento_ref), ("QuickBooks id", request.qb_id),
            ("QuickBooks ref", request.qb_ref), ("Status code", request.status_code),
            ("Message", request.status_message), ("Explanation", request.explanation),
            ("Waiting", request.waiting_reason), ("Held", request.hold_reason),
            ("Changed after post", "yes" if request.changed_after_post else None),
        ):
            if value not in (None, ""):
                echo(f"  {label}: {value}")
        for dependency in detail.depends_on:
            echo(f"  Depends on {queue.describe(dependency)}: {dependency.status}")
        echo("\nRequest qbXML:\n" + pretty_xml(request.request_xml or request.body_xml or "(none)"))
        echo("\nResponse qbXML:\n" + pretty_xml(request.response_xml or "(none)"))
        echo("\nAttempts:")
        for attempt in detail.attempts:
            echo(f"  {_when(attempt.sent_at)} sent in {attempt.message_set_id} → "
                 f"{_when(attempt.received_at) or 'no answer yet'} {attempt.outcome or ''} "
                 f"{'' if attempt.status_code is None else attempt.status_code} "
                 f"{attempt.status_message or ''} {attempt.hresult or ''}".rstrip())
        echo("\nHistory:")
        for row in detail.transitions:
            echo(f"  {_when(row.at)} {row.from_status or '-'} → {row.to_status} "
                 f"by {row.actor}: {row.reason or ''}".rstrip())


@log_group.command(name="export")
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default="jsonl",
              show_default=True,
              help="One JSON object per line, or csv/xlsx with the console grid's columns.")
@_filters
@click.pass_obj
def export_command(ctx: AppContext, fmt: str, company: str | None, status: str | None,
                   magento_ref: str | None, since: datetime | None, limit: int | None) -> None:
    """Every matching request as JSON lines, CSV or XLSX on standard output."""
    if fmt == "xlsx" and sys.stdout.isatty():
        raise click.UsageError("XLSX is binary: redirect it to a file (> requests.xlsx)")
    with service_errors(), ctx.db.session() as session:
        log_filter = _log_filter(session, company, status, magento_ref, since)
        if fmt == "xlsx":
            export.xlsx_export(session, log_filter, sys.stdout.buffer, limit=limit)
            sys.stdout.buffer.flush()
            return
        chunks = export.jsonl_export if fmt == "jsonl" else export.csv_export
        for chunk in chunks(session, log_filter, limit=limit):
            sys.stdout.write(chunk)
    sys.stdout.flush()


def register(cli: click.Group) -> None:
    cli.add_command(log_group)
