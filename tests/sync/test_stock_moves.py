"""Magento as the record of stock: stock moved between MSI sources becomes a
TransferInventoryAdd, other changes adjustments, and QuickBooks' site quantities follow."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

from sqlalchemy import select

from magento_client.documents import Shipment, SourceItem
from qbwc_service.context import AppContext
from qbwc_service.db.models import Mapping, Request, SiteQuantity
from qbwc_service.qbxml.render import render_message_set, render_request
from qbwc_service.sandbox import QuickBooksSimulator
from qbwc_service.sync.stock_moves import queue_stock_moves
from tests.sandbox.conftest import add_item, adjust, responses, site_quantities, status

from .factories import Line, OrderBuilder
from .fakeclient import FakeMagento
from .posting import add_company

REPORTED = datetime(2024, 3, 2, 12, 0)
SITES = {"default": "Main Warehouse", "east": "East Warehouse"}


def _setup(app_context: AppContext, quantities: dict[tuple[str, str], int]) -> int:
    app_context.settings = replace(app_context.settings, extra={"companies": {"acme": {
        "mapping": {"sites": SITES, "inventory_direction": "magento_to_quickbooks"}}}})
    with app_context.db.session() as session:
        company = add_company(session, "acme", multi_site_enabled=True)
        session.add_all([
            *(Mapping(company_id=company.id, entity_type="item", magento_id=sku, qb_name=sku)
              for sku in ("MUG", "CUP")),
            *(SiteQuantity(company_id=company.id, item_name=item, site_name=site,
                           quantity_on_hand=D(quantity), reported_at=REPORTED)
              for (item, site), quantity in quantities.items())])
        return company.id


def _magento(**quantities: int) -> FakeMagento:
    """Source items, ``SKU_source=quantity``."""
    return FakeMagento(source_items=[
        SourceItem(sku=key.split("_")[0], source_code=key.split("_")[1],
                   quantity=D(quantity), status=1) for key, quantity in quantities.items()])


def _shipped_mug() -> dict[str, list]:
    """One order whose mug Magento shipped from the default source; its invoice is not
    posted in QuickBooks yet, so Magento's default source is one unit lower for a sale."""
    builder = OrderBuilder(entity_id=5).add(Line("MUG", D(5), shipped=D(1)))
    order = builder.order()
    shipment = Shipment.from_json({"entity_id": 1, "increment_id": "1", "order_id": 5,
                                   "items": [{"order_item_id": 1, "sku": "MUG", "qty": 1}],
                                   "extension_attributes": {"source_code": "default"}})
    return {"orders": [order], "invoices": [builder.invoice(entity_id=5)],
            "shipments": [shipment]}


def test_stock_moved_between_sources_becomes_one_transfer(app_context: AppContext,
                                                          tmp_path: Path) -> None:
    """Four mugs moved from the default source to the eastern one (and one sold from the
    default source, not yet in QuickBooks) is one transfer of four, not two adjustments;
    cups received at the default source are an adjustment. Posted to the simulated
    QuickBooks, its site quantities then equal what Magento says plus the sale pending."""
    quickbooks = {("MUG", "Main Warehouse"): 10, ("MUG", "East Warehouse"): 0,
                  ("CUP", "Main Warehouse"): 5}
    _setup(app_context, quickbooks)
    moves = queue_stock_moves(app_context, "acme",
                              _magento(MUG_default=5, MUG_east=4, CUP_default=7),
                              **_shipped_mug())
    by_operation = {p.operation: p for p in moves.planned}
    assert sorted(by_operation) == ["InventoryAdjustmentAdd", "TransferInventoryAdd"]
    transfer = by_operation["TransferInventoryAdd"].context
    assert (transfer["FromInventorySiteRef"], transfer["ToInventorySiteRef"]) == (
        {"FullName": "Main Warehouse"}, {"FullName": "East Warehouse"})
    assert transfer["TransferInventoryLineAdd"] == [
        {"ItemRef": {"FullName": "MUG"}, "QuantityToTransfer": D(4)}]
    adjustment = by_operation["InventoryAdjustmentAdd"].context
    assert adjustment["InventorySiteRef"] == {"FullName": "Main Warehouse"}
    assert adjustment["InventoryAdjustmentLineAdd"] == [
        {"ItemRef": {"FullName": "CUP"}, "QuantityAdjustment": {"QuantityDifference": D(2)}}]
    with app_context.db.session() as session:
        queued = {r.operation for r in session.scalars(select(Request))}
    assert queued == {"TransferInventoryAdd", "InventoryAdjustmentAdd"}

    simulator = QuickBooksSimulator(tmp_path / "company.sqlite3")
    try:
        for item in ("MUG", "CUP"):
            add_item(simulator, item)
        for (item, site), quantity in quickbooks.items():
            if quantity:
                adjust(simulator, item, site, str(quantity))
        answer = simulator.process(render_message_set(
            [render_request(p.operation, p.context, version="13.0", request_id=str(n))
             for n, p in enumerate(moves.planned, start=1)], version="13.0"))
        assert [status(rs) for rs in responses(answer)] == [0, 0]
        assert site_quantities(simulator, "MUG") == {"Main Warehouse": "6",
                                                     "East Warehouse": "4"}
        assert site_quantities(simulator, "CUP")["Main Warehouse"] == "7"
    finally:
        simulator.close()


def test_moves_wait_for_quantities_reported_after_the_last_moves(
        app_context: AppContext) -> None:
    """Nothing is planned twice: while moves wait to be posted, and until QuickBooks has
    reported quantities again after they were, the comparison is left alone."""
    company_id = _setup(app_context, {("MUG", "Main Warehouse"): 10})
    client = _magento(MUG_default=6, MUG_east=4)
    first = queue_stock_moves(app_context, "acme", client)
    assert [p.operation for p in first.planned] == ["TransferInventoryAdd"]
    again = queue_stock_moves(app_context, "acme", client)
    assert again.planned == [] and "not posted yet" in again.skipped[0]
    with app_context.db.session() as session:
        for request in session.scalars(select(Request).where(Request.company_id == company_id)):
            request.status = "succeeded"
            request.completed_at = REPORTED + timedelta(minutes=5)
    stale = queue_stock_moves(app_context, "acme", client)
    assert stale.planned == [] and "report quantities" in stale.skipped[0]


def test_nothing_moves_when_quickbooks_keeps_the_stock(app_context: AppContext) -> None:
    """The default direction (QuickBooks is the record) plans no stock moves."""
    _setup(app_context, {("MUG", "Main Warehouse"): 10})
    app_context.settings = replace(app_context.settings, extra={"companies": {"acme": {
        "mapping": {"sites": SITES}}}})
    moves = queue_stock_moves(app_context, "acme", _magento(MUG_default=6, MUG_east=4))
    assert moves.planned == [] and "quickbooks_to_magento" in moves.skipped[0]
