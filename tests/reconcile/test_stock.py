"""Quantities: QuickBooks per item and site beside Magento's stock less unshipped units."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace
from typing import Any

from magento_client.documents import SourceItem
from qbwc_service.db.models import Company, Mapping
from qbwc_service.db.reconciliation import LineKind, ReconciliationLine
from qbwc_service.reconcile.stock import StockExpectation, compare_quantities
from qbwc_service.services.reconciliation import magento_stock
from qbwc_service.sync.config import parse_mapping_config
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


class _InvoicedNotShipped:
    """An open order whose only row is invoiced and not shipped (what Magento returns)."""

    state = "processing"

    def __init__(self, sku: str, quantity: D) -> None:
        self.row = SimpleNamespace(sku=sku, product_type="simple", is_virtual=False,
                                   parent_product_type=None, qty_ordered=quantity,
                                   qty_invoiced=quantity, qty_canceled=D(0), qty_shipped=D(0))

    def all_items(self) -> list[Any]:
        return [self.row]


class _Store:
    def __init__(self, orders: list[Any]) -> None:
        self._orders = orders

    def source_items_for_skus(self, skus: list[str]) -> list[SourceItem]:
        rows = {"SHIRT": [("default", "10"), ("east", "3"), ("unmapped", "7")]}
        return [SourceItem(sku, source, D(qty), 1) for sku in skus
                for source, qty in rows.get(sku, [])]

    def orders(self, criteria: Any = None) -> list[Any]:
        return self._orders


def test_magento_stock_maps_sources_to_sites_and_subtracts_unshipped_units(db) -> None:
    """Mapped items at mapped sources only; the sales source carries the unshipped units."""
    order = _InvoicedNotShipped("SHIRT", D(2))
    config = parse_mapping_config({"sites": {"default": "Main", "east": "East"}},
                                  path="companies.acme.mapping")
    with db.session() as session:
        company: Company = add_company(session, multi_site_enabled=True)
        session.add(Mapping(company_id=company.id, entity_type="item", magento_id="SHIRT",
                            qb_name="Shirt"))
        session.flush()
        stock = magento_stock(session, company, _Store([order]), config)
    assert stock is not None
    assert sorted((s.site, s.magento_quantity, s.not_yet_deducted) for s in stock) == [
        ("East", D(3), D(0)), ("Main", D(10), D(2))]


def test_a_store_without_msi_leaves_quantities_out(db) -> None:
    """A client that cannot list source items: the run does not compare quantities."""
    with db.session() as session:
        company = add_company(session)
        assert magento_stock(session, company, object(), parse_mapping_config(
            {}, path="companies.acme.mapping")) is None
