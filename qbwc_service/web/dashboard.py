"""The dashboard: per company, the last Web Connector run, queue depth, failures, 30 days."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from qbwc_service.db.models import Company
from qbwc_service.services.log import blocked_count
from qbwc_service.services.reconciliation_view import latest_complete_run
from qbwc_service.web import queries
from qbwc_service.web.chart import bar_chart
from qbwc_service.web.common import app_context

__all__ = ["blueprint"]

blueprint = Blueprint("dashboard", __name__)


@blueprint.route("/")
def dashboard() -> str:
    with app_context().db.session() as db_session:
        companies = list(db_session.scalars(select(Company).order_by(Company.name)))
        wanted = request.args.get("company", type=int)
        company = next((c for c in companies if c.id == wanted), companies[0] if companies else None)
        if company is None:
            return render_template("dashboard.html", companies=[], company=None)
        last = queries.last_session(db_session, company.id)
        days = queries.daily_outcomes(db_session, company.id)
        return render_template(
            "dashboard.html",
            companies=companies,
            company=company,
            last_session=last,
            last_duration=((last.closed_at or last.last_call_at) - last.created_at) if last else None,
            depth=queries.queue_depth(db_session, company.id),
            failures_today=queries.failures_today(db_session, company.id),
            blocked=blocked_count(db_session, company.id),
            reconciliation=latest_complete_run(db_session, company.id),
            chart=bar_chart(days),
            totals=(sum(d.succeeded for d in days), sum(d.failed for d in days)),
        )
