"""Request log commands for bookkeepers: log, log show, log export, retry, cancel, hold,
release, purge."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import click
from lxml import etree
from rich.console import Console
from rich.table import Table
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from qbwc_service import queue
from qbwc_service.context import AppContext
from qbwc_service.db.models import (
    Attempt,
    Company,
    Request,
    RequestDependency,
    RequestStatus,
    RequestTransition,
)
from qbwc_service.qbxml.xmlsafe import parse_xml
from qbwc_service.services import export

__all__ = ["register"]

def _filters(function: Any) -> Any:
    options = [
        click.option("--company", help="Company name or id."),
        click.option("--status", type=click.Choice([s.value for s in RequestStatus]),
                     help="Only requests in this state (default: all)."),
        click.option("--magento", "magento_ref", help="Magento order number, SKU or reference."),
        click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
                     help="Created on or after this date (UTC)."),
        click.option("--limit", type=int, default=None, help="At most this many rows."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _company_id(session: Session, company: str | None) -> int | None:
    if not company:
        return None
    found = session.scalars(select(Company).where(Company.name == company)).first()
    if found is None and company.isdigit():
        found = session.get(Company, int(company))
    if found is None:
        raise click.ClickException(f"no company named {company!r}")
    return found.id


def _query(session: Session, company: str | None, status: str | None, magento_ref: str | None,
           since: datetime | None) -> Select[Request]:
    query = select(Request).order_by(Request.id.desc())
    company_id = _company_id(session, company)
    if company_id is not None:
        query = query.where(Request.company_id == company_id)
    if status:
        query = query.where(Request.status == status)
    if magento_ref:
        query = query.where(Request.magento_ref == magento_ref)
    if since:
        query = query.where(Request.created_at >= since.replace(tzinfo=UTC))
    return query


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _pretty(xml: str | None) -> str:
    if not xml:
        return "(none)"
    try:
        element = parse_xml(xml)
    except ValueError:
        return xml
    etree.indent(element)
    return str(etree.tostring(element, encoding="unicode"))


def _companies(session: Session) -> dict[int, str]:
    return {c.id: c.name for c in session.scalars(select(Company))}


def _record(request: Request, companies: dict[int, str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": request.id, "company": companies.get(request.company_id, ""),
        "operation": request.operation, "status": request.status,
        "magento_ref": request.magento_ref, "qb_id": request.qb_id, "qb_ref": request.qb_ref,
        "status_code": request.status_code, "message": request.status_message,
        "explanation": request.explanation, "request_xml": request.request_xml,
        "response_xml": request.response_xml,
    }
    for name in ("created_at", "updated_at", "sent_at", "completed_at"):
        stamp = getattr(request, name)
        values[name] = stamp.isoformat() if stamp else None
    return values


def _context(ctx: click.Context) -> AppContext:
    app = ctx.find_object(AppContext)
    assert app is not None
    return app


def _act(ctx: click.Context, action: Any, request_id: int, **kwargs: Any) -> None:
    try:
        with _context(ctx).db.session() as session:
            request = action(session, request_id, actor="cli", **kwargs)
            click.echo(f"request {queue.describe(request)} is now {request.status}")
    except queue.QueueError as exc:
        raise click.ClickException(str(exc)) from exc


def register(cli: click.Group) -> None:
    @cli.group(name="log", invoke_without_command=True)
    @_filters
    @click.pass_context
    def log_group(ctx: click.Context, company: str | None, status: str | None,
                  magento_ref: str | None, since: datetime | None, limit: int | None) -> None:
        """The request log: what was sent to QuickBooks and what came back."""
        if ctx.invoked_subcommand is not None:
            return
        with _context(ctx).db.session() as session:
            query = _query(session, company, status, magento_ref, since).limit(limit or 50)
            companies = _companies(session)
            table = Table("ID", "Company", "Operation", "Status", "Magento", "QuickBooks",
                          "Code", "Updated", "Message")
            for request in session.scalars(query):
                table.add_row(
                    str(request.id), companies.get(request.company_id, ""), request.operation,
                    request.status, request.magento_ref or "", request.qb_ref or request.qb_id or "",
                    "" if request.status_code is None else str(request.status_code),
                    _when(request.updated_at),
                    request.waiting_reason or request.explanation or request.hold_reason or "",
                )
        Console(width=160).print(table)

    @log_group.command(name="show")
    @click.argument("request_id", type=int)
    @click.pass_context
    def show(ctx: click.Context, request_id: int) -> None:
        """One request: its qbXML both ways, attempts, transitions and dependencies."""
        with _context(ctx).db.session() as session:
            request = session.get(Request, request_id)
            if request is None:
                raise click.ClickException(f"there is no request #{request_id}")
            echo = click.echo
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
            deps = session.scalars(select(RequestDependency.depends_on_id).where(
                RequestDependency.request_id == request.id)).all()
            for dependency_id in deps:
                dependency = session.get(Request, dependency_id)
                if dependency is not None:
                    echo(f"  Depends on {queue.describe(dependency)}: {dependency.status}")
            echo("\nRequest qbXML:\n" + _pretty(request.request_xml or request.body_xml))
            echo("\nResponse qbXML:\n" + _pretty(request.response_xml))
            echo("\nAttempts:")
            for attempt in session.scalars(select(Attempt).where(
                    Attempt.request_id == request.id).order_by(Attempt.id)):
                echo(f"  {_when(attempt.sent_at)} sent in {attempt.message_set_id} → "
                     f"{_when(attempt.received_at) or 'no answer yet'} {attempt.outcome or ''} "
                     f"{'' if attempt.status_code is None else attempt.status_code} "
                     f"{attempt.status_message or ''} {attempt.hresult or ''}".rstrip())
            echo("\nHistory:")
            for row in session.scalars(select(RequestTransition).where(
                    RequestTransition.request_id == request.id).order_by(RequestTransition.id)):
                echo(f"  {_when(row.at)} {row.from_status or '-'} → {row.to_status} "
                     f"by {row.actor}: {row.reason or ''}".rstrip())

    @log_group.command(name="export")
    @click.option("--format", "fmt", type=click.Choice(["jsonl", *export.FORMATS]),
                  default="jsonl", show_default=True,
                  help="One JSON object per line, or csv/xlsx with the console grid's columns.")
    @_filters
    @click.pass_context
    def export_command(ctx: click.Context, fmt: str, company: str | None, status: str | None,
                       magento_ref: str | None, since: datetime | None, limit: int | None) -> None:
        """Every matching request as JSON lines, CSV or XLSX on standard output."""
        if fmt == "xlsx" and sys.stdout.isatty():
            raise click.UsageError("XLSX is binary: redirect it to a file (> requests.xlsx)")
        with _context(ctx).db.session() as session:
            query = _query(session, company, status, magento_ref, since)
            if limit:
                query = query.limit(limit)
            companies = _companies(session)
            requests = session.scalars(query.execution_options(yield_per=500))
            if fmt != "jsonl":
                rows = ((request, companies.get(request.company_id, "")) for request in requests)
                records = export.export_records(session, rows)
                if fmt == "xlsx":
                    export.write_xlsx(records, sys.stdout.buffer)
                    sys.stdout.buffer.flush()
                    return
                for chunk in export.csv_chunks(records):
                    sys.stdout.write(chunk)
                sys.stdout.flush()
                return
            for request in requests:
                sys.stdout.write(json.dumps(_record(request, companies), ensure_ascii=False) + "\n")
            sys.stdout.flush()

    @cli.command(name="retry")
    @click.argument("request_id", type=int, required=False)
    @click.option("--failed", "all_failed", is_flag=True, help="Retry every failed request.")
    @click.option("--company", help="With --failed: only this company.")
    @click.pass_context
    def retry_command(ctx: click.Context, request_id: int | None, all_failed: bool,
                      company: str | None) -> None:
        """Send a failed request (or all failed ones) to QuickBooks again."""
        if all_failed == (request_id is not None):
            raise click.UsageError("give a request ID or --failed")
        if request_id is not None:
            _act(ctx, queue.retry, request_id)
            return
        with _context(ctx).db.session() as session:
            count = queue.retry_failed(session, _company_id(session, company), actor="cli")
        click.echo(f"{count} failed request(s) queued again")

    @cli.command(name="cancel")
    @click.argument("request_id", type=int)
    @click.pass_context
    def cancel_command(ctx: click.Context, request_id: int) -> None:
        """Never send this request."""
        _act(ctx, queue.cancel, request_id)

    @cli.command(name="hold")
    @click.argument("request_id", type=int)
    @click.option("--reason", default=None,
                  help="Why it is held, shown in the request log (default: none given).")
    @click.pass_context
    def hold_command(ctx: click.Context, request_id: int, reason: str | None) -> None:
        """Keep a queued request back until it is released."""
        _act(ctx, queue.hold, request_id, reason=reason)

    @cli.command(name="release")
    @click.argument("request_id", type=int)
    @click.pass_context
    def release_command(ctx: click.Context, request_id: int) -> None:
        """Let a held request go to QuickBooks."""
        _act(ctx, queue.release, request_id)

    @cli.command(name="purge")
    @click.option("--older-than-days", type=int, default=None,
                  help="Default: the retention_days setting.")
    @click.pass_context
    def purge_command(ctx: click.Context, older_than_days: int | None) -> None:
        """Blank old qbXML bodies (customer data); who, what, when and outcome stay."""
        app = _context(ctx)
        days = app.settings.retention_days if older_than_days is None else older_than_days
        with app.db.session() as session:
            count = queue.purge_bodies(session, older_than_days=days)
        click.echo(f"purged bodies of {count} row(s) older than {days} days")


