"""Two processes finishing the same answered run store its findings once."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qbwc_service.db import Database
from qbwc_service.db.reconciliation import (
    LineKind,
    ReconciliationLine,
    ReconciliationRun,
    RunStatus,
)
from qbwc_service.reconcile.lifecycle import move_run
from qbwc_service.reconcile.runs import finish_answered, start_run
from qbwc_service.reconcile.snapshot import MagentoDoc
from tests.sync.posting import add_company

DAY = date(2024, 3, 1)


def _answered_run(url: str) -> int:
    database = Database(url)
    database.upgrade()
    with database.session() as session:
        company = add_company(session)
        docs = [MagentoDoc("invoice", str(n), f"10{n}", str(n), DAY, D(10)) for n in range(50)]
        run, _ = start_run(session, company, DAY, DAY, docs, txn_types=("Invoice",),
                           deleted=False)
        move_run(run, RunStatus.ANSWERED, reason="test: every answer stored")
        run_id = run.id
    database.dispose()
    return run_id


def _finish_twice(url: str) -> tuple[list[bool], int, int]:
    run_id = _answered_run(url)
    barrier = threading.Barrier(2)
    finished: list[bool] = []

    def finish() -> None:
        database = Database(url)
        barrier.wait()
        with database.session() as session:
            run = session.get(ReconciliationRun, run_id)
            assert run is not None
            finished.append(finish_answered(session, run) is not None)
        database.dispose()

    threads = [threading.Thread(target=finish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    database = Database(url)
    with database.session() as session:
        def count(kind: LineKind) -> int:
            return int(session.scalar(select(func.count(ReconciliationLine.id)).where(
                ReconciliationLine.run_id == run_id, ReconciliationLine.kind == kind.value))
                or 0)

        variances, days = count(LineKind.VARIANCE), count(LineKind.DAY)
    database.dispose()
    return finished, variances, days


def test_finishing_twice_at_once_stores_one_comparison(tmp_path: Path) -> None:
    """Two threads race to compare one run: one compares, the other finds it complete."""
    finished, variances, days = _finish_twice(f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    assert sorted(finished) == [False, True]
    assert (variances, days) == (50, 1)  # fifty documents never posted, one day


@pytest.mark.postgres
def test_a_process_that_read_the_run_before_another_finished_it_skips(pg_url: str) -> None:
    """PostgreSQL: A reads the answered run, B compares and commits, A must not compare again."""
    run_id = _answered_run(pg_url)
    first, second = Database(pg_url), Database(pg_url)
    with first.session() as stale:
        run = stale.get(ReconciliationRun, run_id)
        assert run is not None and run.status == "answered"
        with second.session() as other:
            fresh = other.get(ReconciliationRun, run_id)
            assert fresh is not None and finish_answered(other, fresh) is not None
        assert finish_answered(stale, run) is None
    with first.session() as session:
        variances = session.scalar(select(func.count(ReconciliationLine.id)).where(
            ReconciliationLine.run_id == run_id,
            ReconciliationLine.kind == LineKind.VARIANCE.value))
    first.dispose()
    second.dispose()
    assert variances == 50
