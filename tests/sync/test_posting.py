"""Plans posted through the queue to the simulated QuickBooks, then reconciled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import select

from qbwc_service.db.models import Mapping, Request
from qbwc_service.reconcile.compare import Reason
from qbwc_service.services.reconciliation import reconcile_documents as reconcile
from qbwc_service.sync.enqueue import DbLookup, enqueue_plan
from qbwc_service.sync.parties import plan_setup_items
from qbwc_service.sync.plan import CompanyFacts, PlanContext
from qbwc_service.sync.posting import plan_credit_memo, plan_invoice

from .factories import Line, OrderBuilder
from .posting import add_company, post_all, simulator, statuses


def _orders() -> list[OrderBuilder]:
    first = OrderBuilder(entity_id=1, increment_id="000000001", shipping=D(5),
                         shipping_tax_rate=D("0.1"))
    first.add(Line("SHIRT", D("19.99"), qty=D(2), discount=D("4.00"), tax_rate=D("0.0825")))
    first.add(Line("KIT", D(0), kind="bundle_dynamic",
                   children=[Line("BALL", D(27)), Line("BRICK", D(5))]))
    second = OrderBuilder(entity_id=2, increment_id="000000002", guest=True,
                          email="guest@example.com", inclusive=True)
    second.add(Line("MUG", D("12.00"), discount=D("1.20"), tax_rate=D("0.2")))
    second.add(Line("DESK", D(300), kind="bundle_fixed", children=[Line("LEG", D(0))]))
    return [first, second]


def _plan_and_post(db, company_id, qb, builders, *, open_first: bool = False) -> list:
    documents = []
    with db.session() as session:
        from qbwc_service.db.models import Company

        company = session.get(Company, company_id)
        ctx = PlanContext(facts=CompanyFacts.from_company(company),
                          lookup=DbLookup(session, company_id))
        enqueue_plan(session, company_id, plan_setup_items(ctx))
        for number, builder in enumerate(builders, start=1):
            invoice = builder.invoice(entity_id=number, increment_id=f"10000000{number}",
                                      state=1 if open_first and number == 1 else 2)
            enqueue_plan(session, company_id, plan_invoice(invoice, builder.order(), ctx))
            documents.append(invoice)
        memo = builders[0].credit_memo(entity_id=1, increment_id="900000001", invoice_id=1,
                                       skus={"SHIRT"}, adjustment_negative=D(2))
        enqueue_plan(session, company_id, plan_credit_memo(memo, builders[0].order(), ctx,
                                                           invoice=documents[0]))
        documents.append(memo)
    post_all(db, company_id, qb)
    return documents


@pytest.mark.slow
def test_every_posted_transaction_equals_magentos_total(db, tmp_path: Path) -> None:
    """Through the queue and the simulated QuickBooks, totals match and reconcile is clean."""
    qb = simulator(tmp_path)
    with db.session() as session:
        company_id = add_company(session).id
    documents = _plan_and_post(db, company_id, qb, _orders())
    with db.session() as session:
        states = statuses(session, company_id)
        assert set(states.values()) == {"succeeded"}, states
        for document in documents:
            kind = "creditmemo" if document.increment_id.startswith("9") else "invoice"
            mapping = session.scalars(select(Mapping).where(
                Mapping.entity_type == kind, Mapping.magento_id == str(document.entity_id))).one()
            assert mapping.amount == document.base_grand_total
        payment = session.scalars(select(Request).where(
            Request.idempotency_key == "payment:1")).one()
        assert payment.payload["AppliedToTxnAdd"][0]["TxnID"] == session.scalars(
            select(Mapping.qb_id).where(Mapping.entity_type == "invoice",
                                        Mapping.magento_id == "1")).one()
        from qbwc_service.db.models import Company

        report = reconcile(session, session.get(Company, company_id), date(2024, 3, 1),
                           date(2024, 3, 1), magento_documents=documents)
    assert report.variances == []
    day = report.days[0]
    assert day.magento["invoiced"] == day.quickbooks["invoiced"] > 0
    assert day.magento["refunds"] == day.quickbooks["refunds"] > 0
    assert day.magento["payments"] == day.quickbooks["payments"]


@pytest.mark.slow
def test_credit_memo_is_applied_to_its_open_invoice_in_quickbooks(db, tmp_path: Path) -> None:
    """A refund of an unpaid invoice reaches QuickBooks as a credit applied to that invoice."""
    qb = simulator(tmp_path)
    with db.session() as session:
        company_id = add_company(session).id
    _plan_and_post(db, company_id, qb, _orders(), open_first=True)
    with db.session() as session:
        states = statuses(session, company_id)
    assert states["credit-apply:1"] == "succeeded"
    assert "payment:1" not in states


@pytest.mark.slow
def test_reconcile_reports_each_injected_variance(db, tmp_path: Path) -> None:
    """Deleted in QuickBooks, failed, held and unposted are each named with their reason."""
    qb = simulator(tmp_path)
    with db.session() as session:
        company = add_company(session)
        company_id = company.id
    builders = _orders()
    documents = _plan_and_post(db, company_id, qb, builders)
    extra = OrderBuilder(entity_id=3, increment_id="000000003").add(Line("NOPE", D(7)))
    unposted = extra.invoice(entity_id=3, increment_id="100000003")
    held = extra.invoice(entity_id=4, increment_id="100000004")
    failed = extra.invoice(entity_id=5, increment_id="100000005")
    with db.session() as session:
        ctx = PlanContext(lookup=DbLookup(session, company_id))
        # edited after posting: the same invoice planned again with another amount
        changed = builders[1].invoice(entity_id=2, increment_id="100000002")
        edited = [p for p in plan_invoice(changed, builders[1].order(), ctx)
                  if p.key == "invoice:2"]
        edited[0].context["Memo"] = "edited in Magento"
        from dataclasses import replace

        enqueue_plan(session, company_id, [replace(edited[0], document_hash="different")])
        plan = plan_invoice(held, extra.order(), ctx)
        enqueue_plan(session, company_id, [replace(p, hold_reason="bookkeeper review")
                                           if p.key == "invoice:4" else p for p in plan])
        plan = plan_invoice(failed, extra.order(), ctx)
        rows = enqueue_plan(session, company_id, plan)
        failing = next(r for r in rows if r.idempotency_key == "invoice:5")
        failing.payload = {**failing.payload, "CustomerRef": {"FullName": "Nobody Known"}}
        failing.document_hash = "broken"
    post_all(db, company_id, qb)
    with db.session() as session:
        from qbwc_service.db.models import Company

        invoice_one = session.scalars(select(Mapping.qb_id).where(
            Mapping.entity_type == "invoice", Mapping.magento_id == "1")).one()
        posted = {m.qb_id: m.amount for m in session.scalars(select(Mapping))
                  if m.qb_id and m.qb_id != invoice_one}
        report = reconcile(session, session.get(Company, company_id), date(2024, 3, 1),
                           date(2024, 3, 1), quickbooks_txns=posted,
                           magento_documents=[*documents, unposted, held, failed])
    reasons = {v.magento_ref: v.reason for v in report.variances}
    # 100000002 changed only its memo in Magento: its amount still matches, no variance.
    assert reasons == {
        "100000001": Reason.MISSING_IN_QUICKBOOKS,
        "100000003": Reason.NOT_POSTED,
        "100000004": Reason.NOT_POSTED,
        "100000005": Reason.NOT_POSTED,
    }
    details = {v.magento_ref: v.detail for v in report.variances}
    assert "held: bookkeeper review" in details["100000004"]
    assert "failed:" in details["100000005"]


@pytest.mark.slow
def test_opening_quantities_value_the_inventory_asset_at_magentos_cost(db, tmp_path: Path
                                                                       ) -> None:
    """Opening quantities posted to the simulated QuickBooks: the items hold Magento's
    quantities and the inventory asset their value at Magento's cost."""
    import sqlite3

    from magento_client.documents import SourceItem
    from qbwc_service.sandbox.quickbooks.ledger import inventory_by_site
    from qbwc_service.sync.inventory import plan_opening_quantities
    from qbwc_service.sync.parties import plan_item
    from qbwc_service.sync.posting.lines import ProductLine

    qb = simulator(tmp_path)
    with db.session() as session:
        company_id = add_company(session).id
        ctx = PlanContext(lookup=DbLookup(session, company_id))
        items = [plan_item(ProductLine(sku, sku, "simple", False, D(1), D(9), D(9), D(0),
                                       D(0), False, cost=cost), ctx).request
                 for sku, cost in (("MUG", D("2.50")), ("CUP", D("1.10")))]
        opening = plan_opening_quantities(
            [SourceItem("MUG", "default", D(10), 1), SourceItem("CUP", "default", D(4), 1)],
            {"MUG": "MUG", "CUP": "CUP"}, ctx.config, multi_site=False, ref="OPENING")
        enqueue_plan(session, company_id, [*items, *opening])
    post_all(db, company_id, qb)
    with db.session() as session:
        assert set(statuses(session, company_id).values()) == {"succeeded"}
    qb.close()
    connection = sqlite3.connect(tmp_path / "qb.sqlite3")
    try:
        stock = inventory_by_site(connection)
        equity = sum((D(amount) for (amount,) in connection.execute(
            "SELECT j.amount FROM journal j JOIN list_record a ON a.list_id = j.account_id "
            "WHERE a.full_name = 'Opening Balance Equity'")), D(0))
    finally:
        connection.close()
    assert sorted((quantity, value) for quantity, value in stock.values()) == [
        (D(4), D("4.40")), (D(10), D("25.00"))]
    assert equity == D("-29.40")  # credited: the opening stock is the owner's, not a cost


def test_tax_items_owed_to_the_configured_agency_post(db, tmp_path: Path) -> None:
    """With tax.agency set to a vendor the merchant created, the per-rate tax items are
    added owing to it and the invoice posts."""
    from qbwc_service.sandbox.quickbooks.lists import create_list
    from qbwc_service.sandbox.quickbooks.retxml import element
    from qbwc_service.sync.config import parse_mapping_config

    qb = simulator(tmp_path)
    with qb.store.transaction():
        create_list(qb.company, "Vendor", element("Seed", children=[
            element("Name", "Texas Comptroller")]))
    with db.session() as session:
        company_id = add_company(session).id
        ctx = PlanContext(config=parse_mapping_config({"tax": {"agency": "Texas Comptroller"}}),
                          lookup=DbLookup(session, company_id))
        enqueue_plan(session, company_id, plan_setup_items(ctx))
        builder = _orders()[0]
        enqueue_plan(session, company_id, plan_invoice(builder.invoice(), builder.order(), ctx))
    post_all(db, company_id, qb)
    with db.session() as session:
        assert set(statuses(session, company_id).values()) == {"succeeded"}
