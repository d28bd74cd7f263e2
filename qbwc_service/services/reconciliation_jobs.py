"""Scheduled reconciliation: every day the day before, every Monday the week before, on
the first of a month the closed month; and, every few minutes, the comparison of runs
whose answers came in.

Each job runs under a database lease (``sync.lease``) so that with several processes
only one acts on a tick, and each scheduled run has a ``schedule_key`` the database
keeps unique per company, so a second process that ticks after the first finished
finds the run already there instead of starting it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from qbwc_service.context import AppContext
from qbwc_service.db.lookups import company_named
from qbwc_service.reconcile.runs import closed_month, previous_day
from qbwc_service.services.reconciliation import finish_company_runs, start_company_run
from qbwc_service.sync.lease import holder_id, lease

__all__ = ["PERIODIC_KINDS", "add_reconciliation_jobs", "finish_answered_runs",
           "period_for", "run_scheduled"]

log = logging.getLogger(__name__)

ClientFactory = Callable[[str], Any]
# kind -> crontab (UTC): after midnight everywhere the stores are, before the books open.
PERIODIC_KINDS: dict[str, str] = {"daily": "30 6 * * *", "weekly": "40 6 * * 1",
                                  "month_end": "50 6 1 * *"}


def period_for(kind: str, today: date) -> tuple[date, date, str]:
    """(first day, last day, schedule key) of the run ``kind`` starts on ``today``."""
    if kind == "daily":
        first, last = previous_day(today)
        return first, last, f"daily:{first}"
    if kind == "weekly":
        last = today - timedelta(days=today.weekday() + 1)
        first = last - timedelta(days=6)
        return first, last, f"weekly:{first}"
    first, last = closed_month(today)
    return first, last, f"month_end:{first:%Y-%m}"


def run_scheduled(ctx: AppContext, company_name: str, kind: str, client_factory: ClientFactory,
                  *, holder: str, today: date | None = None,
                  ttl: timedelta = timedelta(minutes=30)) -> bool:
    """Start the scheduled run if this process holds the lease; True when one was created."""
    name = f"reconcile:{company_name}:{kind}"
    first, last, key = period_for(kind, today or datetime.now(UTC).date())
    with lease(ctx.db, name, holder, ttl) as mine:
        if not mine:
            log.info("job %s is running elsewhere; skipped", name)
            return False
        with ctx.db.session() as session:
            company = company_named(session, company_name)
            run, created = start_company_run(ctx, session, company, first, last,
                                             client=client_factory(company_name), kind=kind,
                                             schedule_key=key, started_by="scheduler")
            log.info("job %s: run #%d for %s..%s %s", name, run.id, first, last,
                     "queued" if created else "already exists")
    return created


def finish_answered_runs(ctx: AppContext, company_name: str, *, holder: str) -> int:
    with lease(ctx.db, f"reconcile:{company_name}:finish", holder, timedelta(minutes=10)) as mine:
        if not mine:
            return 0
        with ctx.db.session() as session:
            return finish_company_runs(ctx, session, company_named(session, company_name))


def add_reconciliation_jobs(scheduler: BaseScheduler, ctx: AppContext,
                            client_factory: ClientFactory, *, holder: str | None = None
                            ) -> BaseScheduler:
    """Add the reconciliation jobs of every company with a Magento store to ``scheduler``."""
    who = holder or holder_id()
    companies = ctx.settings.extra.get("companies", {})
    for company_name in sorted(companies if isinstance(companies, dict) else {}):
        if "magento" not in companies[company_name]:
            continue
        for kind, crontab in PERIODIC_KINDS.items():
            scheduler.add_job(run_scheduled, CronTrigger.from_crontab(crontab, timezone="UTC"),
                              args=(ctx, company_name, kind, client_factory),
                              kwargs={"holder": who}, id=f"reconcile:{company_name}:{kind}",
                              max_instances=1, coalesce=True, replace_existing=True)
        scheduler.add_job(finish_answered_runs, IntervalTrigger(minutes=5, timezone="UTC"),
                          args=(ctx, company_name), kwargs={"holder": who},
                          id=f"reconcile:{company_name}:finish", max_instances=1,
                          coalesce=True, replace_existing=True)
    return scheduler
