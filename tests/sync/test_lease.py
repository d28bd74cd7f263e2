"""Job leases: one holder at a time, expiry hands over, renew and release."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from qbwc_service.db import Database
from qbwc_service.sync.exceptions import LeaseError
from qbwc_service.sync.lease import acquire, lease, release, renew
from qbwc_service.sync.scheduler import build_scheduler, run_job, trigger_for

T0 = datetime(2024, 1, 1, tzinfo=UTC)
TTL = timedelta(minutes=5)


def _exclusive(db: Database) -> None:
    with db.session() as session:
        assert acquire(session, "job", "a", TTL, now=T0)
    with db.session() as session:
        assert not acquire(session, "job", "b", TTL, now=T0 + timedelta(minutes=1))
    with db.session() as session:
        assert acquire(session, "job", "a", TTL, now=T0 + timedelta(minutes=1))
    with db.session() as session:
        assert acquire(session, "job", "b", TTL, now=T0 + timedelta(minutes=7))
    with db.session() as session, pytest.raises(LeaseError):
        renew(session, "job", "a", TTL, now=T0 + timedelta(minutes=8))
    with db.session() as session:
        release(session, "job", "b")
    with db.session() as session:
        assert acquire(session, "job", "c", TTL, now=T0 + timedelta(minutes=8))


def test_lease_is_exclusive_until_it_expires(db: Database) -> None:
    """Only one holder at a time; an expired lease can be taken over; the loser cannot renew."""
    _exclusive(db)


@pytest.mark.postgres
def test_lease_is_exclusive_on_postgresql(pg_db: Database) -> None:
    """The same lease rules hold on PostgreSQL."""
    _exclusive(pg_db)


def test_racing_processes_get_one_winner(tmp_path) -> None:
    """Eight threads with their own connections race for a lease: exactly one wins."""
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    Database(url).upgrade()
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def contend(name: str) -> None:
        database = Database(url)
        barrier.wait()
        with lease(database, "sync:acme:orders", name, TTL) as mine:
            if mine:
                winners.append(name)
                barrier_after.wait()
            else:
                barrier_after.wait()
        database.dispose()

    barrier_after = threading.Barrier(8)
    threads = [threading.Thread(target=contend, args=(f"p{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1


def test_job_is_skipped_while_another_process_holds_its_lease(app_context) -> None:
    """run_job does nothing (and never builds a client) when the lease belongs to someone else."""
    with app_context.db.session() as session:
        acquire(session, "sync:acme:orders", "other", TTL)
    called: list[str] = []
    ran = run_job(app_context, "acme", "orders", lambda name: called.append(name), holder="me")
    assert ran is False and called == []


def test_scheduler_builds_one_job_per_kind_for_configured_companies(app_context) -> None:
    """Companies with a Magento table get orders, products and inventory jobs from config."""
    from dataclasses import replace

    settings = replace(app_context.settings, extra={"companies": {
        "acme": {"magento": {"base_url": "http://127.0.0.1:1"},
                 "mapping": {"schedule": {"inventory": {"cron": "15 * * * *"}}}},
        "idle": {"mapping": {}}}})
    app_context.settings = settings
    scheduler = build_scheduler(app_context, lambda name: None)
    ids = sorted(job.id for job in scheduler.get_jobs())
    assert ids == ["sync:acme:inventory", "sync:acme:orders", "sync:acme:products"]
    inventory = scheduler.get_job("sync:acme:inventory")
    assert "cron" in str(inventory.trigger)
    assert "interval" in str(trigger_for(replace_spec(5)))


def replace_spec(minutes: int):
    from qbwc_service.sync.config import ScheduleSpec

    return ScheduleSpec(every_minutes=minutes)


class _CountingMagento:
    """Magento whose open-document reads are counted; nothing else is asked of it here."""

    def __init__(self) -> None:
        self.order_reads = 0

    def orders(self, criteria: object) -> list[object]:
        self.order_reads += 1
        return []

    def for_orders(self, entity: str, order_ids: list[int]) -> list[object]:
        assert order_ids == []
        return []

    def save_source_items(self, items: list[object], batch_size: int | None = None) -> int:
        raise AssertionError("nothing may be pushed")


@pytest.mark.parametrize(("direction", "reads"), [("none", 0), ("quickbooks_to_magento", 1)])
def test_inventory_job_reads_open_documents_only_when_stock_flows(
        app_context, direction: str, reads: int) -> None:
    """With inventory_direction = none the inventory job neither pushes nor moves stock,
    so it never reads Magento's open orders; with a direction it does."""
    from dataclasses import replace

    from .posting import add_company

    app_context.settings = replace(app_context.settings, extra={"companies": {"acme": {
        "mapping": {"inventory_direction": direction}}}})
    with app_context.db.session() as session:
        add_company(session, "acme")
    client = _CountingMagento()
    assert run_job(app_context, "acme", "inventory", lambda name: client, holder="me")
    assert client.order_reads == reads
