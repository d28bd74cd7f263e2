"""The request log: filters, search, sorting, pagination and CSV export of the same filter."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from flask import Blueprint, Response, render_template, request, stream_with_context
from sqlalchemy import select

from qbwc_service.db.models import Company, Request
from qbwc_service.web import queries
from qbwc_service.web.common import app_context

__all__ = ["CSV_COLUMNS", "blueprint", "csv_cell"]

blueprint = Blueprint("log", __name__)

CSV_COLUMNS = (
    "id", "company", "operation", "status", "entity_type", "magento_ref", "qb_id", "qb_ref",
    "status_code", "status_severity", "status_message", "explanation", "attempts",
    "created_at", "updated_at", "completed_at",
)
_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell that spreadsheets will not evaluate as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_LEADS):
        return "'" + text
    return text


def _csv_row(row: Request, company_name: str) -> list[str]:
    values = (
        row.id, company_name, row.operation, row.status, row.entity_type, row.magento_ref,
        row.qb_id, row.qb_ref, row.status_code, row.status_severity, row.status_message,
        row.explanation, row.attempts_count, row.created_at, row.updated_at, row.completed_at,
    )
    return [csv_cell(value) for value in values]


@blueprint.route("/requests")
def request_log() -> str:
    log_filter = queries.LogFilter.from_args(request.args)
    with app_context().db.session() as db_session:
        page = queries.log_page(db_session, log_filter)
        failures = queries.failures_of(db_session, [row for row, _ in page.rows])
        companies = list(db_session.scalars(select(Company).order_by(Company.name)))
        return render_template(
            "request_log.html", page=page, log_filter=log_filter, companies=companies,
            statuses=queries.STATUSES, per_page_choices=queries.PER_PAGE_CHOICES,
            sort_columns=queries.SORT_COLUMNS, failures=failures,
        )


@blueprint.route("/requests.csv")
def export_csv() -> Response:
    log_filter = queries.LogFilter.from_args(request.args)
    ctx = app_context()

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        with ctx.db.session() as db_session:
            for count, (row, company_name) in enumerate(queries.iter_log(db_session, log_filter)):
                writer.writerow(_csv_row(row, company_name))
                if count % 200 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="requests-{stamp}.csv"'},
    )
