"""The request log: filters, search, sorting, pagination and CSV/XLSX export of the same filter."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime

from flask import Blueprint, Response, render_template, request, stream_with_context

from qbwc_service.services import export
from qbwc_service.services import log as request_log_queries
from qbwc_service.services.requests import ACTION_LABELS
from qbwc_service.web.common import app_context

__all__ = ["blueprint"]

blueprint = Blueprint("log", __name__)
BULK_ACTIONS = ("retry", "hold", "release", "cancel")


@blueprint.route("/requests")
def request_log() -> str:
    log_filter = request_log_queries.LogFilter.from_args(request.args)
    with app_context().db.session() as db_session:
        page = request_log_queries.log_page(db_session, log_filter)
        return render_template(
            "request_log.html", page=page, log_filter=log_filter, companies=page.companies,
            statuses=request_log_queries.STATUSES,
            per_page_choices=request_log_queries.PER_PAGE_CHOICES,
            failures=page.failures, blockers=page.blockers,
            bulk_actions=BULK_ACTIONS, action_labels=ACTION_LABELS,
        )


def _filename(extension: str) -> str:
    return f"requests-{datetime.now().strftime('%Y%m%d-%H%M%S')}.{extension}"


@blueprint.route("/requests.csv")
def export_csv() -> Response:
    log_filter = request_log_queries.LogFilter.from_args(request.args)
    ctx = app_context()

    def generate() -> Iterator[str]:
        with ctx.db.session() as db_session:
            yield from export.csv_export(db_session, log_filter)

    return Response(
        stream_with_context(generate()), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename("csv")}"'},
    )


@blueprint.route("/requests.xlsx")
def export_xlsx() -> Response:
    log_filter = request_log_queries.LogFilter.from_args(request.args)
    buffer = io.BytesIO()
    with app_context().db.session() as db_session:
        export.xlsx_export(db_session, log_filter, buffer)
    return Response(
        buffer.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_filename("xlsx")}"'},
    )
