"""Scheduled pulls per company: orders and their documents, products, inventory.

Each job runs under a :mod:`lease` so that with several processes on one database only
one of them runs a given job at a time; the others skip that tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from qbwc_service.context import AppContext
from qbwc_service.sync.config import ScheduleSpec, load_company_config
from qbwc_service.sync.enqueue import Progress
from qbwc_service.sync.inventory import open_documents, push_inventory
from qbwc_service.sync.lease import holder_id, lease
from qbwc_service.sync.runner import DOCUMENTS, pull_and_enqueue
from qbwc_service.sync.stock_moves import queue_stock_moves

__all__ = ["JOB_ENTITIES", "build_scheduler", "run_job", "trigger_for"]

log = logging.getLogger(__name__)

JOB_ENTITIES: dict[str, tuple[str, ...]] = {
    "orders": DOCUMENTS,
    "products": ("products",),
    "inventory": ("inventory",),
}

ClientFactory = Callable[[str], Any]  # company name -> MagentoClient


def trigger_for(spec: ScheduleSpec) -> CronTrigger | IntervalTrigger:
    if spec.cron:
        return CronTrigger.from_crontab(spec.cron, timezone="UTC")
    return IntervalTrigger(minutes=spec.every_minutes, timezone="UTC")


def run_job(ctx: AppContext, company_name: str, job: str, client_factory: ClientFactory,
            *, holder: str, ttl: timedelta = timedelta(minutes=30),
            progress: Progress | None = None) -> bool:
    """Run one job if this process gets its lease; returns whether it ran."""

    name = f"sync:{company_name}:{job}"
    with lease(ctx.db, name, holder, ttl) as mine:
        if not mine:
            log.info("job %s is running elsewhere; skipped", name)
            return False
        client = client_factory(company_name)
        report = pull_and_enqueue(ctx, company_name, client=client,
                                  entities=JOB_ENTITIES[job], progress=progress)
        if job == "inventory":
            _move_stock(ctx, company_name, client)
        log.info("job %s: read %s, queued %d new, %d changed, %d errors", name, report.read,
                 report.created, report.changed, len(report.errors))
    return True


def _move_stock(ctx: AppContext, company_name: str, client: Any) -> None:
    """The way the company's stock flows: QuickBooks' quantities pushed to Magento, or
    Magento's source changes queued for QuickBooks; with no direction nothing, and
    Magento's open documents are not read."""
    direction = load_company_config(ctx.settings, company_name).inventory_direction
    if direction == "none":
        return
    docs = open_documents(client)
    move = push_inventory if direction == "quickbooks_to_magento" else queue_stock_moves
    move(ctx, company_name, client, orders=docs["orders"], invoices=docs["invoices"],
         creditmemos=docs["creditmemos"], shipments=docs["shipments"])


def build_scheduler(ctx: AppContext, client_factory: ClientFactory, *,
                    scheduler: BackgroundScheduler | None = None,
                    progress: Progress | None = None) -> BackgroundScheduler:
    """A (not yet started) scheduler with the jobs of every configured company."""
    scheduler = scheduler or BackgroundScheduler(timezone="UTC")
    holder = holder_id()
    companies = ctx.settings.extra.get("companies", {})
    for company_name in sorted(companies if isinstance(companies, dict) else {}):
        if "magento" not in companies[company_name]:
            continue  # nothing to pull from
        config = load_company_config(ctx.settings, company_name)
        for job in JOB_ENTITIES:
            spec: ScheduleSpec = getattr(config.schedule, job)
            scheduler.add_job(
                run_job, trigger_for(spec), args=(ctx, company_name, job, client_factory),
                kwargs={"holder": holder, "progress": progress}, id=f"sync:{company_name}:{job}",
                max_instances=1, coalesce=True, replace_existing=True,
            )
    return scheduler
