"""Reconciliation: stored runs, Magento beside what QuickBooks itself answered.

The page only reads runs (``services.reconciliation_view``); a bookkeeper may start a
new run for a period, which waits for the next Web Connector run like any other work.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from qbwc_service.reconcile.compare import QUICKBOOKS_MEASURES
from qbwc_service.services.console_auth import Role
from qbwc_service.services.exceptions import ReconcileError
from qbwc_service.services.reconciliation import reconcile_company
from qbwc_service.services.reconciliation_view import (
    FINDINGS_SHOWN,
    console_view,
    export_csv,
    export_xlsx,
    run_label,
)
from qbwc_service.web.common import app_context, current_user, date_arg, require_role

__all__ = ["blueprint"]

blueprint = Blueprint("reconciliation", __name__)


@blueprint.route("/reconciliation")
def reconciliation() -> str:
    view = console_view(app_context(), request.args.get("company", type=int),
                        request.args.get("run", type=int), date_arg("day"))
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    return render_template("reconciliation.html", view=view, measures=QUICKBOOKS_MEASURES,
                           run_label=run_label, findings_shown=FINDINGS_SHOWN,
                           default_from=view.run.date_from if view.run else yesterday,
                           default_to=view.run.date_to if view.run else yesterday)


@blueprint.route("/reconciliation/runs", methods=["POST"])
@require_role(Role.BOOKKEEPER)
def start() -> BaseResponse:
    company_name = request.form.get("company_name", "")
    date_from, date_to = date_arg("from"), date_arg("to")
    if date_from is None or date_to is None:
        flash("Choose the first and last day of the period.", "error")
        return redirect(url_for("reconciliation.reconciliation"))
    try:
        outcome = reconcile_company(app_context(), company_name, date_from, date_to,
                                    refresh=True, started_by=current_user().username)
    except ReconcileError as exc:
        flash(str(exc), "error")
        return redirect(url_for("reconciliation.reconciliation"))
    flash(f"Run #{outcome.run.id} {'queued' if outcome.started else 'is already waiting'}: "
          "it completes after the next Web Connector run.", "info")
    return redirect(url_for("reconciliation.reconciliation", company=outcome.run.company_id,
                            run=outcome.run.id))


@blueprint.route("/reconciliation/runs/<int:run_id>.<fmt>")
def export(run_id: int, fmt: str) -> Response:
    if fmt == "csv":
        text = export_csv(app_context(), run_id)
        if text is None:
            abort(404)
        return Response(text, mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=reconciliation-{run_id}.csv"})
    if fmt == "xlsx":
        data = export_xlsx(app_context(), run_id)
        if data is None:
            abort(404)
        return Response(data, mimetype="application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet", headers={
                            "Content-Disposition": f"attachment; filename=reconciliation-"
                                                   f"{run_id}.xlsx"})
    abort(404)
