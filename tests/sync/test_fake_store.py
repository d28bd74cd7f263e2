"""The fake store's whole generated dataset: every planned total equals Magento's."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from magento_client.documents import CreditMemo, Invoice, Order
from magento_client.fake import FakeStore
from qbwc_service.db.models import Company
from qbwc_service.services.reconciliation import reconcile_documents as reconcile
from qbwc_service.sync.config import parse_mapping_config
from qbwc_service.sync.enqueue import DbLookup, enqueue_plan
from qbwc_service.sync.exceptions import DocumentSkipped
from qbwc_service.sync.parties import plan_setup_items
from qbwc_service.sync.plan import CompanyFacts, PlanContext
from qbwc_service.sync.posting import plan_credit_memo, plan_invoice, sum_lines

from .posting import add_company, post_all, simulator, statuses


def _dataset(orders: int, seed: int) -> tuple[dict[int, Order], list[Invoice], list[CreditMemo]]:
    store = FakeStore.generate(orders=orders, seed=seed)
    parsed = {key: Order.from_json(value) for key, value in store.orders.items()}
    invoices = [Invoice.from_json(value) for value in store.invoices.values()]
    memos = [CreditMemo.from_json(value) for value in store.creditmemos.values()]
    return parsed, invoices, memos


@pytest.mark.parametrize("currency_mode", ["home", "multicurrency"])
def test_every_generated_document_plans_to_its_total(currency_mode: str) -> None:
    """All invoices and credit memos of a 100-order dataset balance to the cent, none held."""
    orders, invoices, memos = _dataset(100, 11)
    assert invoices and memos
    ctx = PlanContext(config=parse_mapping_config({"currency_mode": currency_mode}))
    by_id = {invoice.entity_id: invoice for invoice in invoices}
    field = "grand_total" if currency_mode == "multicurrency" else "base_grand_total"
    checked = skipped = 0
    everything: list[Invoice | CreditMemo] = [*invoices, *memos]
    for document in everything:
        order = orders[document.order_id]
        if isinstance(document, CreditMemo):
            plan = plan_credit_memo(document, order, ctx,
                                    invoice=by_id.get(document.invoice_id or 0))
            key = f"creditmemo:{document.entity_id}"
        elif not document.base_grand_total and not document.items:
            with pytest.raises(DocumentSkipped):
                plan_invoice(document, order, ctx)
            skipped += 1
            continue
        else:
            plan = plan_invoice(document, order, ctx)
            key = f"invoice:{document.entity_id}"
        if document.state == 3:
            assert plan == []
            continue
        main = next(p for p in plan if p.key == key)
        assert main.hold_reason is None, main.hold_reason
        lines = next(v for k, v in main.context.items() if k.endswith("LineAdd"))
        assert sum_lines(lines) == getattr(document, field), document.increment_id
        checked += 1
    assert checked + skipped == len([d for d in everything if d.state != 3])


@pytest.mark.slow
def test_dataset_posted_through_simulated_quickbooks_reconciles(db, tmp_path: Path) -> None:
    """Posted through the queue and the simulated QuickBooks: zero variance for 40 orders."""
    orders, invoices, memos = _dataset(40, 5)
    qb = simulator(tmp_path)
    with db.session() as session:
        company = add_company(session)
        company_id = company.id
        ctx = PlanContext(facts=CompanyFacts.from_company(company),
                          lookup=DbLookup(session, company_id))
        enqueue_plan(session, company_id, plan_setup_items(ctx))
        by_id = {invoice.entity_id: invoice for invoice in invoices}
        for invoice in invoices:
            if not invoice.base_grand_total and not invoice.items:
                continue  # skipped by the sales rule (tested above)
            enqueue_plan(session, company_id, plan_invoice(invoice, orders[invoice.order_id], ctx))
        for memo in memos:
            enqueue_plan(session, company_id, plan_credit_memo(
                memo, orders[memo.order_id], ctx, invoice=by_id.get(memo.invoice_id or 0)))
    post_all(db, company_id, qb, rounds=500)
    with db.session() as session:
        states = statuses(session, company_id)
        failed = {key: state for key, state in states.items() if state != "succeeded"}
        assert failed == {}
        # Empty 0.00 invoices are among them: neither posted nor expected in QuickBooks.
        documents: list[Invoice | CreditMemo] = [*invoices, *memos]
        assert any(not d.base_grand_total and not d.items for d in invoices)
        days = sorted({PlanContext().local_date(d.created_at, d.store_id) for d in documents})
        report = reconcile(session, session.scalars(select(Company)).one(), days[0], days[-1],
                           magento_documents=documents)
    assert report.variances == []
    assert sum(day.quickbooks["invoiced"] for day in report.days) > 0
