"""The request log as a spreadsheet: one set of columns for the grid, CSV and XLSX.

Both the console's export links and ``qbwc-service log export`` write through here. Text
that a spreadsheet would run as a formula (leading ``=``, ``+``, ``-``, ``@``, tab or
carriage return: OWASP "CSV injection") is written as text: a leading apostrophe in CSV,
an explicit string cell in XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import IO, Any

from sqlalchemy.orm import Session

from qbwc_service.db.models import Request
from qbwc_service.services.log import BLOCKED, blockers_of, failures_of, operation_label

__all__ = ["COLUMNS", "FORMATS", "ExportRecord", "csv_cell", "csv_chunks", "export_records",
           "write_xlsx"]

# (key, heading): the keys head the CSV; the headings are the grid's and the XLSX's.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "ID"), ("created_at", "Created (UTC)"), ("company", "Company"),
    ("document", "Document"), ("customer", "Customer"), ("document_date", "Document date"),
    ("amount", "Amount"), ("currency", "Currency"), ("magento_ref", "Magento"),
    ("quickbooks", "QuickBooks"), ("status", "Status"), ("status_code", "Code"),
    ("message", "Message"),
)
FORMATS = ("csv", "xlsx")
_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_CHUNK = 500


@dataclass(frozen=True)
class ExportRecord:
    """One request as the grid and the exports show it."""

    values: dict[str, Any]


def _message(request: Request) -> str:
    return (request.status_message or request.waiting_reason or request.hold_reason
            or request.explanation or "")


def export_records(session: Session, rows: Iterable[tuple[Request, str]]
                   ) -> Iterator[ExportRecord]:
    """The grid's values for each (request, company name), read in chunks."""
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
            yield ExportRecord({
                "id": request.id, "created_at": request.created_at, "company": company_name,
                "document": operation_label(request.operation), "customer": request.customer_name,
                "document_date": request.document_date, "amount": request.amount,
                "currency": request.currency, "magento_ref": request.magento_ref,
                "quickbooks": request.qb_ref or request.qb_id, "status": status,
                "status_code": code, "message": message,
            })


def csv_cell(value: object) -> str:
    """A CSV cell that spreadsheets will not evaluate as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_LEADS):
        return "'" + text
    return text


def csv_chunks(records: Iterable[ExportRecord], rows_per_chunk: int = 200) -> Iterator[str]:
    """The CSV text (header first), in pieces a streaming response or a file can take."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([key for key, _ in COLUMNS])
    for count, record in enumerate(records, start=1):
        writer.writerow([csv_cell(record.values[key]) for key, _ in COLUMNS])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(records: Iterable[ExportRecord], out: IO[bytes]) -> None:
    """An XLSX workbook with the grid's headings, dates as dates and amounts as numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Requests")
    sheet.append([heading for _, heading in COLUMNS])
    for record in records:
        cells = []
        for key, _ in COLUMNS:
            value = record.values[key]
            if isinstance(value, datetime):
                value = value.replace(tzinfo=None)  # Excel has no time zones; the heading says UTC
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    workbook.save(out)
