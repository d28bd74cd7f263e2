"""Scheduled runs: the right periods, under the lease, never twice across processes."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.db.reconciliation import ReconciliationRun
from qbwc_service.services.reconciliation_jobs import (
    add_reconciliation_jobs,
    period_for,
    run_scheduled,
)
from qbwc_service.settings import load_settings
from qbwc_service.sync.lease import acquire
from tests.sync.posting import add_company

TODAY = date(2024, 4, 1)  # a Monday, and the first of a month


class _EmptyStore:
    def invoices(self, criteria: Any = None) -> list[Any]:
        return []

    def credit_memos(self, criteria: Any = None) -> list[Any]:
        return []

    def store_configs(self) -> list[Any]:
        return []


def _settings(tmp_path: Path) -> Any:
    config = tmp_path / "config.toml"
    config.write_text('[companies.acme.magento]\nbase_url = "http://127.0.0.1:9"\n',
                      encoding="utf-8")
    return load_settings(config, environ={}, data_dir=tmp_path)


def _process(settings: Any, url: str) -> AppContext:
    """What one server process has: its own engine on the shared database."""
    return AppContext(settings, _database=Database(url))


def _runs(url: str) -> int:
    database = Database(url)
    with database.session() as session:
        count = int(session.scalar(select(func.count(ReconciliationRun.id))) or 0)
    database.dispose()
    return count


def test_periods_of_the_scheduled_runs() -> None:
    """Daily: the day before; weekly: Monday to Sunday before; month end: the closed month."""
    assert period_for("daily", TODAY) == (date(2024, 3, 31), date(2024, 3, 31),
                                          "daily:2024-03-31")
    assert period_for("weekly", TODAY) == (date(2024, 3, 25), date(2024, 3, 31),
                                           "weekly:2024-03-25")
    assert period_for("month_end", TODAY) == (date(2024, 3, 1), date(2024, 3, 31),
                                              "month_end:2024-03")


def _two_processes_race(settings: Any, url: str) -> list[bool]:
    setup = Database(url)
    setup.upgrade()
    with setup.session() as session:
        add_company(session)
    setup.dispose()
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def tick(holder: str) -> None:
        ctx = _process(settings, url)
        barrier.wait()
        results.append(run_scheduled(ctx, "acme", "daily", lambda name: _EmptyStore(),
                                     holder=holder, today=TODAY))
        ctx.db.dispose()

    threads = [threading.Thread(target=tick, args=(f"p{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A third process ticking after both finished (the lease is free again) finds the run.
    late = _process(settings, url)
    results.append(run_scheduled(late, "acme", "daily", lambda name: _EmptyStore(),
                                 holder="late", today=TODAY))
    late.db.dispose()
    return results


def test_daily_job_on_two_processes_runs_once(tmp_path: Path) -> None:
    """Two processes tick together and a third later: exactly one daily run exists."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    results = _two_processes_race(_settings(tmp_path), url)
    assert results.count(True) == 1 and len(results) == 3
    assert _runs(url) == 1


@pytest.mark.postgres
def test_daily_job_on_two_processes_runs_once_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """The same on PostgreSQL, where the processes really write concurrently."""
    results = _two_processes_race(_settings(tmp_path), pg_url)
    assert results.count(True) == 1
    assert _runs(pg_url) == 1


def test_job_is_skipped_while_another_process_holds_its_lease(app_context: AppContext) -> None:
    """Without the lease the job neither reads Magento nor starts a run."""
    with app_context.db.session() as session:
        add_company(session)
        acquire(session, "reconcile:acme:daily", "other", timedelta(minutes=5))
    asked: list[str] = []
    ran = run_scheduled(app_context, "acme", "daily", lambda name: asked.append(name),
                        holder="me", today=TODAY)
    assert ran is False and asked == []


def test_jobs_are_registered_per_company_with_magento(tmp_path: Path) -> None:
    """Daily, weekly, month end and the comparison of answered runs, for each store."""
    ctx = AppContext(_settings(tmp_path), _database=Database("sqlite://"))
    scheduler = add_reconciliation_jobs(BackgroundScheduler(timezone="UTC"), ctx,
                                        lambda name: _EmptyStore())
    assert sorted(job.id for job in scheduler.get_jobs()) == [
        "reconcile:acme:daily", "reconcile:acme:finish", "reconcile:acme:month_end",
        "reconcile:acme:weekly"]
