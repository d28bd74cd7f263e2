"""Quantities: QuickBooks per item and site beside Magento's stock less unshipped units."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

from magento_client.documents import SourceItem
from qbwc_service.db.models import Company, Mapping, Request, RequestStatus, utcnow
from qbwc_service.db.reconciliation import LineKind, ReconciliationLine
from qbwc_service.reconcile.stock import StockExpectation, compare_quantities
from qbwc_service.services.reconciliation import magento_stock
from qbwc_service.sync.config import parse_mapping_config
from tests.sync.factories import Line, OrderBuilder
from tests.sync.posting import add_company

DAY = date(2024, 3, 1)


def _held(item: str, site: str, quantity: str) -> ReconciliationLine:
    return ReconciliationLine(kind=LineKind.ITEM_SITE.value, qb_ref=item, account=site,
                              data={"quantity_on_hand": quantity})


def test_quantities_agree_after_the_units_not_yet_deducted() -> None:
    """Magento 10 with 2 invoiced and unshipped: QuickBooks should hold 8, and does."""
    stock = [StockExpectation("Shirt", "Main", "SHIRT", "default", D(10), D(2)),
             StockExpectation("Mug", "Main", "MUG", "default", D(5), D(0)),
             StockExpectation("Cap", "Main", "CAP", "default", D(1), D(0))]
    findings = compare_quantities(stock, [_held("Shirt", "Main", "8"), _held("Mug", "Main", "4")],
                                  DAY)
    assert [(f.reason.value, f.magento_ref, f.account) for f in findings] == [
        ("quantity_differs", "MUG", "Main"), ("quantity_differs", "CAP", "Main")]
    assert "QuickBooks holds 4" in findings[0].detail and "should hold 5" in findings[0].detail


def test_no_quantities_from_quickbooks_means_nothing_to_compare() -> None:
    """A run that did not ask QuickBooks for quantities reports no quantity variance."""
    stock = [StockExpectation("Shirt", "", "SHIRT", "default", D(10), D(0))]
    assert compare_quantities(stock, [], DAY) == []


class _Store:
    """The parts of the Magento client the quantity check reads: source items and the
    processing orders with their invoices, credit memos and shipments."""

    def __init__(self, orders: list[Any], invoices: list[Any]) -> None:
        self._orders, self._invoices = orders, invoices

    def source_items_for_skus(self, skus: list[str]) -> list[SourceItem]:
        rows = {"SHIRT": [("default", "10"), ("east", "3"), ("unmapped", "7")],
                "MUG": [("default", "6")]}
        return [SourceItem(sku, source, D(qty), 1) for sku in skus
                for source, qty in rows.get(sku, [])]

    def orders(self, criteria: Any = None) -> list[Any]:
        return self._orders

    def for_orders(self, entity: str, order_ids: list[int]) -> list[Any]:
        documents = self._invoices if entity == "invoices" else []
        return [document for document in documents if document.order_id in order_ids]


def test_magento_stock_nets_the_units_each_side_has_not_yet_deducted(db) -> None:
    """Mapped items at mapped sources only, each net of the inventory push's own units:
    2 shirts invoiced (posted) and not shipped are gone in QuickBooks, still on Magento's
    shelf; 2 mugs shipped whose invoice QuickBooks has not posted are the other way round."""
    shirts = OrderBuilder(entity_id=1).add(Line("SHIRT", D(5), qty=D(2), shipped=D(0)))
    mugs = OrderBuilder(entity_id=2).add(Line("MUG", D(5), qty=D(2), shipped=D(2)))
    orders = [shirts.order(), mugs.order()]
    invoices = [shirts.invoice(entity_id=1), mugs.invoice(entity_id=2)]
    config = parse_mapping_config({"sites": {"default": "Main", "east": "East"}},
                                  path="companies.acme.mapping")
    with db.session() as session:
        company: Company = add_company(session, multi_site_enabled=True)
        for sku, name in (("SHIRT", "Shirt"), ("MUG", "Mug")):
            session.add(Mapping(company_id=company.id, entity_type="item", magento_id=sku,
                                qb_name=name))
        session.add(Request(company_id=company.id, operation="InvoiceAdd",
                            idempotency_key="invoice:1", status=RequestStatus.SUCCEEDED.value,
                            payload={}, completed_at=utcnow() - timedelta(minutes=1)))
        session.add(Request(company_id=company.id, operation="InvoiceAdd",
                            idempotency_key="invoice:2", status=RequestStatus.QUEUED.value,
                            payload={}))
        session.flush()
        stock = magento_stock(session, company, _Store(orders, invoices), config)
    assert stock is not None
    assert sorted((s.sku, s.site, s.magento_quantity, s.not_yet_deducted) for s in stock) == [
        ("MUG", "Main", D(6), D(-2)), ("SHIRT", "East", D(3), D(0)),
        ("SHIRT", "Main", D(10), D(2))]
    expected = {(s.sku, s.site): s.expected for s in stock}
    assert expected[("SHIRT", "Main")] == D(8) and expected[("MUG", "Main")] == D(8)


def test_a_store_without_msi_leaves_quantities_out(db) -> None:
    """A client that cannot list source items: the run does not compare quantities."""
    with db.session() as session:
        company = add_company(session)
        assert magento_stock(session, company, object(), parse_mapping_config(
            {}, path="companies.acme.mapping")) is None
