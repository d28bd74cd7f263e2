"""Each company's scheduled Magento pulls as people read them: what is pulled, how often,
when it last ran and runs next, and whether it is running now (its lease is held)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Company, JobLease, Watermark, utcnow
from qbwc_service.settings import Settings
from qbwc_service.sync.config import load_company_config
from qbwc_service.sync.exceptions import MappingConfigError
from qbwc_service.sync.scheduler import JOB_ENTITIES, trigger_for

__all__ = ["JobRow", "pull_schedule"]


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


def pull_schedule(session: Session, settings: Settings, now: datetime | None = None
                  ) -> list[JobRow]:
    """One row per company with a Magento store and job; a company whose configuration
    cannot be read gets one row saying so, since this page is where such problems show."""
    now = now or utcnow()
    configured = settings.extra.get("companies", {})
    ids = {c.name: c.id for c in session.scalars(select(Company))}
    leases = {lease.name for lease in session.scalars(select(JobLease)) if lease.expires_at > now}
    marks = {(m.company_id, m.entity): m.last_run_at for m in session.scalars(select(Watermark))}
    rows: list[JobRow] = []
    for name in sorted(configured if isinstance(configured, dict) else {}):
        if "magento" not in configured[name]:
            continue
        try:
            schedule = load_company_config(settings, name).schedule
        except MappingConfigError as exc:
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
