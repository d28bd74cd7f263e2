"""Two server processes on one PostgreSQL database, several companies posting at once."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qbwc_service.context import AppContext
from qbwc_service.db.models import Attempt, Company, QbwcUser, Request
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.qbwc.qwc import new_guid, owner_id
from qbwc_service.sandbox import QuickBooksSimulator, WebConnector
from qbwc_service.settings import load_settings
from tests.e2e.harness import (
    Books,
    Installation,
    ServerProcess,
    free_port,
    merchant_setup,
    repeated,
)
from tests.e2e.workload import enqueue_workload

COMPANIES = 4

pytestmark = pytest.mark.slow


def _installation(root: Path, database_url: str) -> tuple[Path, AppContext, list[Installation]]:
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    root.chmod(0o700)  # as `init` leaves it, or `serve` refuses to start
    values = {"data_dir": ".", "database_url": database_url, "session_idle_seconds": 0,
              "batch_start": 5, "batch_max": 5,
              "scheduler_enabled": False}
    config = root / "config.toml"
    config.write_text("[service]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()))
    config.chmod(0o600)
    ctx = AppContext(load_settings(config, environ={}))
    installations = []
    for number in range(COMPANIES):
        with ctx.db.session() as session:
            company = Company(name=f"Company {number}", qbxml_version="13.0", file_id=new_guid())
            session.add(company)
            session.flush()
            username = f"company-{number}"
            session.add(QbwcUser(company_id=company.id, username=username,
                                 password_hash=hash_password(f"password-{number}-pg")))
            installations.append(Installation(root, config, ctx, company.id, owner_id(session),
                                              company.file_id, username, f"password-{number}-pg"))
    return config, ctx, installations


def test_two_processes_several_companies_exactly_once(tmp_path: Path, pg_url: str) -> None:
    """Runs alternate between two servers: nothing handed out twice, no leak, no deadlock."""
    _config, ctx, installations = _installation(tmp_path / "install", pg_url)
    workloads = [enqueue_workload(ctx, inst.company_id, f"C{n}",
                                  customers_named=(f"Company {n} Customer A", f"Company {n} Customer B"))
                 for n, inst in enumerate(installations)]
    servers = [ServerProcess(installations[0], free_port(), tmp_path / f"server{n}.log")
               for n in range(2)]
    errors: list[BaseException] = []

    def post(number: int) -> None:
        try:
            inst = installations[number]
            simulator = merchant_setup(QuickBooksSimulator(tmp_path / f"qb{number}.sqlite3"))
            for session_number in range(12):
                server = servers[(number + session_number) % 2]
                connector = WebConnector(server.url, inst.username, inst.password, simulator,
                                         owner_id=inst.owner_id, file_id=inst.file_id,
                                         noop_pause_seconds=0, sleep=lambda _s: None)
                if connector.run_session().outcome == "none":
                    break  # authenticate said there is nothing left for this company
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    for server in servers:
        server.start()
    try:
        threads = [threading.Thread(target=post, args=(n,)) for n in range(COMPANIES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=240)
        assert not any(thread.is_alive() for thread in threads), "a Web Connector run hung"
    finally:
        for server in servers:
            server.stop()
    assert errors == []
    with ctx.db.session() as session:
        statuses = dict(session.execute(select(Request.status, func.count()).group_by(Request.status)).all())
        handed_twice = session.execute(
            select(Attempt.request_id).group_by(Attempt.request_id).having(func.count() > 1)).all()
    assert statuses == {"succeeded": sum(w.requests for w in workloads)}
    assert handed_twice == []
    for number, workload in enumerate(workloads):
        books = Books.read(tmp_path / f"qb{number}.sqlite3")
        assert repeated(books.refs("Invoice"), list(workload.invoices)) == {}
        assert repeated(books.names("Customer"), workload.customers) == {}
        # No cross-company leak: this company file holds only its own customers and invoices.
        assert set(books.names("Customer")) == set(workload.customers)
        assert all(ref.startswith(f"C{number}-") for ref in books.refs("Invoice"))
        assert {ref: books.totals("Invoice")[ref] for ref in workload.invoices} == workload.invoices
