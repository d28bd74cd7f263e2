"""The schedule: each company's Magento pulls (what, how often, last and next run, running
now) and how reconciliation is run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, render_template
from sqlalchemy import select

from qbwc_service.db.models import Company as CompanyRow
from qbwc_service.db.models import JobLease, Watermark, utcnow
from qbwc_service.web.common import app_context

__all__ = ["blueprint"]

blueprint = Blueprint("schedule", __name__)


@dataclass(frozen=True)
class JobRow:
    company: str
    job: str
    entities: tuple[str, ...]
    every: str
    last_run: datetime | None
    next_run: datetime | None
    running: bool
    problem: str | None = None


def _rows() -> list[JobRow]:
    from qbwc_service.sync.config import load_company_config
    from qbwc_service.sync.scheduler import JOB_ENTITIES, trigger_for

    ctx = app_context()
    configured = ctx.settings.extra.get("companies", {})
    now = utcnow()
    rows: list[JobRow] = []
    with ctx.db.session() as db_session:
        ids = {c.name: c.id for c in db_session.scalars(select(CompanyRow))}
        leases = {lease.name for lease in db_session.scalars(select(JobLease))
                  if lease.expires_at > now}
        marks = {(m.company_id, m.entity): m.last_run_at
                 for m in db_session.scalars(select(Watermark))}
    for name in sorted(configured if isinstance(configured, dict) else {}):
        if "magento" not in configured[name]:
            continue
        try:
            schedule = load_company_config(ctx.settings, name).schedule
        except Exception as exc:  # shown, not raised: the page is for finding such problems
            rows.append(JobRow(name, "all", (), "", None, None, False,
                               f"the company's configuration cannot be read ({type(exc).__name__})"))
            continue
        for job, entities in JOB_ENTITIES.items():
            spec = getattr(schedule, job)
            runs = [marks.get((ids.get(name, -1), entity)) for entity in entities]
            last = max((run for run in runs if run), default=None)
            if spec.cron:
                every = f"cron {spec.cron} (UTC)"
                next_run = trigger_for(spec).get_next_fire_time(None, now)
            else:
                every = f"every {spec.every_minutes} min"
                next_run = (last + timedelta(minutes=spec.every_minutes)) if last else None
            rows.append(JobRow(name, job, entities, every, last, next_run,
                               f"sync:{name}:{job}" in leases))
    return rows


@blueprint.route("/schedule")
def schedule() -> str:
    return render_template("schedule.html", rows=_rows(),
                           scheduler_enabled=app_context().settings.scheduler_enabled)
