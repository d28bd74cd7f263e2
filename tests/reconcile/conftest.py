"""A company whose Magento documents went through the queue into the simulated QuickBooks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from qbwc_service.db import Database
from qbwc_service.db.models import Company
from qbwc_service.db.reconciliation import ReconciliationRun
from qbwc_service.reconcile.runs import finish_answered, start_run
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator
from qbwc_service.services.reconciliation import magento_docs
from qbwc_service.sync.enqueue import DbLookup, enqueue_plan
from qbwc_service.sync.parties import plan_setup_items
from qbwc_service.sync.plan import CompanyFacts, PlanContext
from qbwc_service.sync.posting import plan_credit_memo, plan_invoice
from tests.sync.factories import Line, OrderBuilder
from tests.sync.posting import add_company, post_all, simulator

DAY = date(2024, 3, 1)


@dataclass
class Posted:
    db: Database
    company_id: int
    qb: QuickBooksSimulator
    documents: list[Any]

    def start(self, documents: Sequence[Any] | None = None, **kwargs: Any) -> int:
        """A run of DAY over ``documents`` (default: all), quantities included."""
        with self.db.session() as session:
            company = session.get(Company, self.company_id)
            assert company is not None
            docs = magento_docs(self.documents if documents is None else documents,
                                PlanContext())
            kwargs.setdefault("stock", [])
            run, _ = start_run(session, company, DAY, DAY, docs, **kwargs)
            return run.id

    def drain(self) -> None:
        post_all(self.db, self.company_id, self.qb, ticket="t-reconcile")

    def finish(self, run_id: int) -> ReconciliationRun:
        with self.db.session() as session:
            run = session.get(ReconciliationRun, run_id)
            assert run is not None
            finish_answered(session, run)
            session.expunge(run)
            return run


def builders() -> list[OrderBuilder]:
    first = OrderBuilder(entity_id=1, increment_id="000000001", shipping=D(5))
    first.add(Line("SHIRT", D("19.99"), qty=D(2), discount=D("4.00")))
    second = OrderBuilder(entity_id=2, increment_id="000000002", guest=True,
                          email="guest@example.com")
    second.add(Line("MUG", D("12.00")))
    return [first, second]


@pytest.fixture
def posted(db: Database, tmp_path: Path) -> Posted:
    """Two paid invoices and a refund of the first, posted and drained."""
    qb = simulator(tmp_path)
    with db.session() as session:
        company = add_company(session)
        company_id = company.id
        ctx = PlanContext(facts=CompanyFacts.from_company(company),
                          lookup=DbLookup(session, company_id))
        enqueue_plan(session, company_id, plan_setup_items(ctx))
        documents: list[Any] = []
        orders = builders()
        for number, builder in enumerate(orders, start=1):
            invoice = builder.invoice(entity_id=number, increment_id=f"10000000{number}")
            enqueue_plan(session, company_id, plan_invoice(invoice, builder.order(), ctx))
            documents.append(invoice)
        memo = orders[0].credit_memo(entity_id=1, increment_id="900000001", invoice_id=1,
                                     skus={"SHIRT"})
        enqueue_plan(session, company_id, plan_credit_memo(memo, orders[0].order(), ctx,
                                                           invoice=documents[0]))
        documents.append(memo)
    post_all(db, company_id, qb)
    return Posted(db, company_id, qb, documents)
