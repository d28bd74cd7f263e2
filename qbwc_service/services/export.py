"""The request log as a file: the grid's columns as CSV or XLSX, every field as JSON lines.

Both the console's export links and ``qbwc-service log export`` write through here, from
the same :class:`~qbwc_service.services.log.LogFilter`; the spreadsheets go through
``services.spreadsheet`` (formula protection).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

from sqlalchemy.orm import Session

from qbwc_service.db.models import Request
from qbwc_service.services import spreadsheet
from qbwc_service.services.log import (
    BLOCKED,
    LogFilter,
    blockers_of,
    failures_of,
    iter_log,
    operation_label,
)

__all__ = ["COLUMNS", "FORMATS", "csv_export", "export_rows", "json_record", "jsonl_export",
           "xlsx_export"]

# (key, heading): the keys head the CSV; the headings are the grid's and the XLSX's.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "ID"), ("created_at", "Created (UTC)"), ("company", "Company"),
    ("document", "Document"), ("customer", "Customer"), ("document_date", "Document date"),
    ("amount", "Amount"), ("currency", "Currency"), ("magento_ref", "Magento"),
    ("quickbooks", "QuickBooks"), ("status", "Status"), ("status_code", "Code"),
    ("message", "Message"),
)
FORMATS = ("jsonl", "csv", "xlsx")
_CHUNK = 500


def _message(request: Request) -> str:
    return (request.status_message or request.waiting_reason or request.hold_reason
            or request.explanation or "")


def export_rows(session: Session, rows: Iterable[tuple[Request, str]]
                ) -> Iterator[dict[str, Any]]:
    """The grid's values (keyed as :data:`COLUMNS`) for each (request, company name), read
    in chunks."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, _CHUNK)):
        requests = [request for request, _ in chunk]
        failures = failures_of(session, requests)
        blockers = blockers_of(session, requests)
        for request, company_name in chunk:
            failure = failures.get(request.id)
            status, code, message = request.status, request.status_code, _message(request)
            if failure is not None:
                code, message = failure.code, failure.message
            elif request.id in blockers:
                status = BLOCKED
                message = f"blocked by #{blockers[request.id]}. {message}".strip()
            yield {
                "id": request.id, "created_at": request.created_at, "company": company_name,
                "document": operation_label(request.operation), "customer": request.customer_name,
                "document_date": request.document_date, "amount": request.amount,
                "currency": request.currency, "magento_ref": request.magento_ref,
                "quickbooks": request.qb_ref or request.qb_id, "status": status,
                "status_code": code, "message": message,
            }


def _grid(session: Session, log_filter: LogFilter, limit: int | None) -> Iterator[list[Any]]:
    for values in export_rows(session, iter_log(session, log_filter, limit=limit)):
        yield [values[key] for key, _ in COLUMNS]


def csv_export(session: Session, log_filter: LogFilter, *, limit: int | None = None
               ) -> Iterator[str]:
    """The filtered log's CSV text in pieces (header first)."""
    return spreadsheet.csv_chunks([key for key, _ in COLUMNS], _grid(session, log_filter, limit))


def xlsx_export(session: Session, log_filter: LogFilter, out: IO[bytes], *,
                limit: int | None = None) -> None:
    """The filtered log as an XLSX workbook with the grid's headings."""
    spreadsheet.write_xlsx([heading for _, heading in COLUMNS],
                           _grid(session, log_filter, limit), out, title="Requests")


def json_record(request: Request, company_name: str) -> dict[str, Any]:
    """Every field of a request a bookkeeper may need, qbXML both ways included."""
    values: dict[str, Any] = {
        "id": request.id, "company": company_name,
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


def jsonl_export(session: Session, log_filter: LogFilter, *, limit: int | None = None
                 ) -> Iterator[str]:
    """One JSON object per line for each request of the filtered log."""
    for request, company_name in iter_log(session, log_filter, limit=limit):
        yield json.dumps(json_record(request, company_name), ensure_ascii=False) + "\n"
