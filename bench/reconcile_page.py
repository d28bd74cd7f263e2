"""The reconciliation page for a month at 50,000 requests renders in under a second.

    .venv/bin/python -m bench.reconcile_page [--invoices 25000] [--days 30]

Builds a company whose month holds ``--invoices`` paid invoices, each posted as an
invoice and a payment (two requests, two mappings, two QuickBooks transactions), one in
a hundred edited in QuickBooks afterwards; stores one reconciliation run of the month
with QuickBooks' answers, compares it (timed), then renders the console page for the run
through the Flask test client (timed, cold and warm) and the per-day drill-down.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.db.models import Company, Mapping, Request
from qbwc_service.db.reconciliation import (
    LineKind,
    ReconciliationLine,
    ReconciliationRun,
    RunStatus,
)
from qbwc_service.reconcile.lifecycle import move_run
from qbwc_service.reconcile.runs import finish_answered, start_run
from qbwc_service.reconcile.snapshot import MagentoDoc
from qbwc_service.services.console_auth import add_web_user
from qbwc_service.settings import load_settings
from qbwc_service.web import create_web_app

FIRST = date(2024, 3, 1)
PASSWORD = "bench console password"
CHUNK = 2000


def _insert(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start:start + CHUNK])


def build(database: Database, invoices: int, days: int) -> tuple[int, int]:
    """(company id, run id) of a month with ``invoices`` paid invoices, run answered."""
    with database.session() as session:
        company = Company(name="Bench Books", file_id="{00000000-0000-0000-0000-00000000b000}")
        session.add(company)
        session.flush()
        docs: list[MagentoDoc] = []
        requests: list[dict[str, Any]] = []
        mappings: list[dict[str, Any]] = []
        for n in range(1, invoices + 1):
            day = FIRST + timedelta(days=n % days)
            total = Decimal(10 + n % 90).quantize(Decimal("0.01"))
            ref = f"{100000000 + n}"
            docs.append(MagentoDoc("invoice", str(n), ref, str(n), day, total, subtotal=total,
                                   paid=True, customer=str(n % 5000)))
            for kind, operation in (("invoice", "InvoiceAdd"), ("payment", "ReceivePaymentAdd")):
                requests.append({"company_id": company.id, "operation": operation,
                                 "status": "succeeded", "idempotency_key": f"{kind}:{n}",
                                 "entity_type": kind, "magento_id": str(n), "magento_ref": ref,
                                 "payload": {}, "priority": 50})
                mappings.append({"company_id": company.id, "entity_type": kind,
                                 "magento_id": str(n), "magento_ref": ref,
                                 "qb_type": f"{operation[:-3]}Ret", "qb_id": f"{kind[0]}-{n}",
                                 "qb_name": ref, "amount": total, "txn_date": day})
        _insert(session, Request, requests)
        _insert(session, Mapping, mappings)
        run, _ = start_run(session, company, FIRST, FIRST + timedelta(days=days - 1), docs,
                           txn_types=("Invoice", "ReceivePayment"), deleted=False,
                           currency="USD")
        answers = []
        for row in mappings:
            edited = row["entity_type"] == "invoice" and int(row["magento_id"]) % 100 == 0
            amount = row["amount"] + (1 if edited else 0)
            answers.append({"run_id": run.id, "kind": LineKind.QUICKBOOKS_TXN.value,
                            "qb_type": row["qb_type"][:-3], "qb_id": row["qb_id"],
                            "qb_ref": row["qb_name"], "day": row["txn_date"],
                            "quickbooks_amount": amount, "data": {"Memo": ""}})
        _insert(session, ReconciliationLine, answers)
        move_run(run, RunStatus.ANSWERED, reason="bench: answers stored")
        return company.id, run.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=25_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(None, environ={}, data_dir=Path(folder))
        database = Database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        database.upgrade()
        started = time.perf_counter()
        company_id, run_id = build(database, args.invoices, args.days)
        print(f"built {2 * args.invoices} requests and the run's lines in "
              f"{time.perf_counter() - started:.1f} s")
        with database.session() as session:
            run = session.get(ReconciliationRun, run_id)
            assert run is not None
            started = time.perf_counter()
            finish_answered(session, run)
            print(f"compared the month: {run.variance_count} variances in "
                  f"{time.perf_counter() - started:.2f} s")
            add_web_user(session, "bench", PASSWORD, "viewer", actor="bench")
        app = create_web_app(AppContext(settings, _database=database))
        client = app.test_client()
        import re

        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          client.get("/login").get_data(as_text=True))
        assert token is not None
        client.post("/login", data={"username": "bench", "password": PASSWORD,
                                    "csrf_token": token.group(1)})
        for label, query in (("page, cold", f"?company={company_id}&run={run_id}"),
                             ("page, warm", f"?company={company_id}&run={run_id}"),
                             ("day drill-down", f"?company={company_id}&run={run_id}"
                                                f"&day={FIRST + timedelta(days=3)}"),
                             ("default page", "")):
            started = time.perf_counter()
            response = client.get(f"/reconciliation{query}")
            elapsed = time.perf_counter() - started
            assert response.status_code == 200
            print(f"{label}: {elapsed * 1000:.0f} ms, {len(response.data) / 1024:.0f} KiB "
                  f"({'under' if elapsed < 1 else 'OVER'} the 1 s target)")
        database.dispose()


if __name__ == "__main__":
    main()
