"""Crash and fault matrix: the server process dies (SIGKILL) at chosen points of a Web
Connector session, or the run breaks, and after a restart every document is in
the simulated QuickBooks exactly once, none missing, every request succeeded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from qbwc_service.sandbox import QbFaults, SessionSummary, report

from .harness import (
    Books,
    Installation,
    ServerProcess,
    drain,
    free_port,
    make_installation,
    repeated,
    request_statuses,
)
from .scripted import ScriptedQuickBooks
from .workload import Workload, enqueue_workload

pytestmark = pytest.mark.slow

# Small batches so that a 30-request workload takes about ten message sets and a kill
# lands in the middle of the work, not before or after all of it.
SERVICE = {"batch_start": 3, "batch_max": 4}


@dataclass
class Rig:
    installation: Installation
    server: ServerProcess
    workload: Workload
    company_db: Path

    def session(self, simulator: ScriptedQuickBooks) -> SessionSummary:
        return self.installation.connector(self.server.url, simulator).run_session()

    def drain(self, simulator: ScriptedQuickBooks) -> list[SessionSummary]:
        return drain(self.installation.ctx, self.installation.company_id,
                     lambda: self.session(simulator))


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    installation = make_installation(tmp_path / "install", service=SERVICE)
    workload = enqueue_workload(installation.ctx, installation.company_id, "CM")
    server = ServerProcess(installation, free_port(), tmp_path / "server.log")
    try:
        yield Rig(installation, server, workload, tmp_path / "company.sqlite3")
    finally:
        server.stop()
        installation.ctx.db.dispose()


def assert_exactly_once(rig: Rig) -> None:
    """Every workload document once in QuickBooks, amounts to the cent, all succeeded."""
    books = Books.read(rig.company_db)
    workload = rig.workload
    assert report(rig.company_db)["duplicates"] == []
    assert repeated(books.names("Customer"), workload.customers) == {}
    items = books.names("ItemInventory") + books.names("ItemService")
    assert repeated(items, workload.items) == {}
    assert repeated(books.refs("Invoice"), list(workload.invoices)) == {}
    assert sum(books.refs("Invoice").values()) == len(workload.invoices)
    assert books.totals("Invoice") == workload.invoices
    statuses = request_statuses(rig.installation.ctx, rig.installation.company_id)
    assert statuses == {"succeeded": workload.requests}


def run_until_killed(rig: Rig, simulator: ScriptedQuickBooks, failpoints: str) -> None:
    """Serve with ``failpoints`` armed and run sessions until the server kills itself."""
    rig.server.start(failpoints)
    for _ in range(10):
        summary = rig.session(simulator)
        if summary.outcome == "transport_error":
            break
    rig.server.wait()
    assert rig.server.died_by_sigkill, f"failpoint {failpoints} never fired"


KILL_LIVES = {
    "after-persist-twice": ["queue.after_persist=kill@3", "queue.after_persist=kill@2"],
    "receive-start": ["session.receive_start=kill@2"],
    "after-apply-before-commit": ["queue.after_apply=kill@4", "queue.after_apply=kill@1"],
    "every-point-in-turn": ["queue.after_apply=kill@2", "session.receive_start=kill@3",
                            "queue.after_persist=kill@5"],
}


@pytest.mark.parametrize("lives", list(KILL_LIVES.values()), ids=list(KILL_LIVES))
def test_server_killed_at_a_failpoint_then_restarted(rig: Rig, lives: list[str]) -> None:
    """A SIGKILL at each failpoint, restart, drain: every document posted exactly once."""
    simulator = ScriptedQuickBooks(rig.company_db)
    for failpoints in lives:
        run_until_killed(rig, simulator, failpoints)
    rig.server.start()
    sessions = rig.drain(simulator)
    assert sessions, "the restarted server had nothing left to do"
    assert_exactly_once(rig)


@pytest.mark.parametrize("kill_after_set", [1, 4])
def test_server_killed_after_quickbooks_processed_a_set(rig: Rig, kill_after_set: int) -> None:
    """Killed from outside after QuickBooks ran a set but before its answer came back."""
    killers: dict[int, Callable[[], None]] = {kill_after_set: rig.server.kill}
    simulator = ScriptedQuickBooks(rig.company_db, after_sets=killers)
    rig.server.start()
    summary = rig.session(simulator)
    assert summary.outcome == "transport_error"
    assert rig.server.died_by_sigkill
    assert simulator.sets_processed == kill_after_set
    rig.server.start()
    rig.drain(simulator)
    assert_exactly_once(rig)


def test_dropped_web_connector_connections(rig: Rig) -> None:
    """Responses lost on the way back (seeded fault rate): recovered, nothing doubled."""
    simulator = ScriptedQuickBooks(rig.company_db, lose_sets=frozenset({2}),
                                   faults=QbFaults.parse("lose_response=0.3"), seed=11)
    rig.server.start()
    sessions = rig.drain(simulator)
    assert sum(s.outcome == "lost_response" for s in sessions) >= 2
    assert_exactly_once(rig)


def test_connection_error_then_quickbooks_running_again(rig: Rig) -> None:
    """A lost answer, then QuickBooks not running (connectionError), then running again."""
    simulator = ScriptedQuickBooks(rig.company_db, lose_sets=frozenset({3}),
                                   refuse_sessions=frozenset({2, 3}))
    rig.server.start()
    first = rig.session(simulator)
    assert first.outcome == "lost_response"
    for _ in range(2):
        refused = rig.session(simulator)
        assert refused.outcome == "connection_error"
        assert refused.calls[-1] == "connectionError"
    rig.drain(simulator)
    assert simulator.refused == 2
    assert_exactly_once(rig)


def test_recovery_lookup_of_a_non_latin_customer_name(tmp_path: Path) -> None:
    """Killed after persisting a set with a Cyrillic customer: recovery still posts it once."""
    installation = make_installation(tmp_path / "install", service=SERVICE)
    names = ("Мария Иванова", "Smith & Sons", "Lee Hardware")
    workload = enqueue_workload(installation.ctx, installation.company_id, "NL",
                                customers_named=names)
    server = ServerProcess(installation, free_port(), tmp_path / "server.log")
    rig = Rig(installation, server, workload, tmp_path / "company.sqlite3")
    try:
        simulator = ScriptedQuickBooks(rig.company_db)
        run_until_killed(rig, simulator, "queue.after_persist=kill@1")
        server.start()
        rig.drain(simulator)
        assert request_statuses(installation.ctx, installation.company_id) == {
            "succeeded": workload.requests}
    finally:
        server.stop()
        installation.ctx.db.dispose()
