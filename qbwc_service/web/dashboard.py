"""The dashboard: per company, the last Web Connector run, queue depth, failures, 30 days."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from qbwc_service.services.dashboard import dashboard_view
from qbwc_service.web.chart import bar_chart
from qbwc_service.web.common import app_context

__all__ = ["blueprint"]

blueprint = Blueprint("dashboard", __name__)


@blueprint.route("/")
def dashboard() -> str:
    with app_context().db.session() as db_session:
        view = dashboard_view(db_session, request.args.get("company", type=int))
        if view.company is None:
            return render_template("dashboard.html", companies=[], company=None)
        return render_template(
            "dashboard.html",
            companies=view.companies,
            company=view.company,
            last_session=view.last_run,
            last_duration=view.last_duration,
            depth=view.depth,
            failures_today=view.failures_today,
            blocked=view.blocked,
            reconciliation=view.reconciliation,
            chart=bar_chart(view.days or []),
            totals=view.totals,
        )
