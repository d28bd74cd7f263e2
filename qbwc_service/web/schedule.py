"""The schedule: each company's Magento pulls (what, how often, last and next run, running
now) and how reconciliation is run."""

from __future__ import annotations

from flask import Blueprint, render_template

from qbwc_service.services.schedule import pull_schedule
from qbwc_service.web.common import app_context

__all__ = ["blueprint"]

blueprint = Blueprint("schedule", __name__)


@blueprint.route("/schedule")
def schedule() -> str:
    ctx = app_context()
    with ctx.db.session() as db_session:
        rows = pull_schedule(db_session, ctx.settings)
    return render_template("schedule.html", rows=rows,
                           scheduler_enabled=ctx.settings.scheduler_enabled)
