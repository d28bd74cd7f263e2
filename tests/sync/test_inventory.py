"""Inventory: queries queued per company, reservations added back, batched MSI writes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal as D

from sqlalchemy import select

from magento_client.client import MagentoClient
from magento_client.fake import FakeMagento as MagentoServer
from qbwc_service.db.models import Company, Mapping, Request, SiteQuantity
from qbwc_service.sync.config import parse_mapping_config
from qbwc_service.sync.inventory import (
    enqueue_inventory_query,
    open_documents,
    plan_opening_quantities,
    push_inventory,
)
from qbwc_service.sync.plan import PlanContext
from qbwc_service.sync.stock_position import not_yet_deducted

from .factories import Line, OrderBuilder
from .fakeclient import FakeMagento
from .posting import add_company


def _documents() -> dict[str, list]:
    """Four orders where Magento and QuickBooks disagree, or not, on what left the shelf."""
    invoiced_not_shipped = OrderBuilder(entity_id=1).add(Line("SHIRT", D(5), qty=D(3),
                                                              shipped=D(1), kind="configurable"))
    shipped_not_posted = OrderBuilder(entity_id=2).add(Line("MUG", D(5), qty=D(2), shipped=D(2)))
    bundle = OrderBuilder(entity_id=3).add(Line("DESK", D(50), kind="bundle_fixed", children=[
        Line("LEG", D(0), qty=D(4), shipped=D(4))]))
    returned = OrderBuilder(entity_id=4).add(Line("CUP", D(5), qty=D(2), shipped=D(2)))
    builders = (invoiced_not_shipped, shipped_not_posted, bundle, returned)
    orders = [b.order() for b in builders]
    invoices = [b.invoice(entity_id=b.entity_id) for b in builders]
    cup_row = next(r.item_id for r in orders[3].all_items() if r.sku == "CUP")
    memo = returned.credit_memo(entity_id=9, invoice_id=4, extension_attributes={
        "return_to_stock_items": [cup_row]})
    memo = replace(memo, items=[replace(memo.items[0], qty=D(1))])
    return {"orders": orders, "invoices": invoices, "creditmemos": [memo]}


def test_not_yet_deducted_counts_each_side_as_it_posts() -> None:
    """Invoiced-not-shipped units count back (negative), shipped units of an unposted
    invoice count off, bundle parts and configurable variants on their own SKUs, and a
    returned unit only while QuickBooks has not posted its credit memo."""
    docs = _documents()
    posted = {"invoice:1", "invoice:3", "invoice:4"}
    ctx = PlanContext()
    pending = not_yet_deducted(docs["orders"], docs["invoices"], docs["creditmemos"],
                               posted, ctx)
    assert pending == {("SHIRT", "default"): D(-2), ("MUG", "default"): D(2),
                       ("CUP", "default"): D(-1)}
    settled = not_yet_deducted(docs["orders"], docs["invoices"], docs["creditmemos"],
                               posted | {"creditmemo:9"}, ctx)
    assert ("CUP", "default") not in settled and ("LEG", "default") not in settled


def test_open_documents_take_a_few_searches_however_many_orders_move() -> None:
    """A store of 250 orders, most still processing: each one's invoices, credit memos and
    shipments are read by order id a hundred orders at a time, a handful of searches
    instead of three per order."""
    with MagentoServer(orders=250, seed=3) as server, \
            MagentoClient(server.config(page_size=100)) as client:
        documents = open_documents(client)
        calls = len(server.requests)
    store = server.store
    moving = [order_id for order_id, order in sorted(store.orders.items())
              if order["state"] == "processing"]
    assert [order.entity_id for order in documents["orders"]] == moving
    for entity, of_order in (("invoices", store.invoices_of),
                             ("creditmemos", store.creditmemos_of),
                             ("shipments", store.shipments_of)):
        assert sorted(document.entity_id for document in documents[entity]) == sorted(
            row["entity_id"] for order_id in moving for row in of_order(order_id)), entity
    assert len(moving) > 150 and calls <= 12


def test_query_is_per_site_only_when_the_company_uses_sites(db) -> None:
    """ItemSitesQuery for multi-site company files, ItemInventoryQuery otherwise."""
    with db.session() as session:
        multi = add_company(session, "multi", multi_site_enabled=True)
        single = add_company(session, "single", multi_site_enabled=False)
        assert enqueue_inventory_query(session, multi).operation == "ItemSitesQuery"
        assert enqueue_inventory_query(session, single).operation == "ItemInventoryQuery"
        assert {r.operation for r in session.scalars(select(Request))} == {
            "ItemSitesQuery", "ItemInventoryQuery"}


def _posted(session, company_id: int, keys: list[str], at: datetime) -> None:
    for key in keys:
        session.add(Request(company_id=company_id, operation="InvoiceAdd", idempotency_key=key,
                            status="succeeded", completed_at=at))


def test_push_nets_pending_units_and_maps_sites_to_sources(app_context) -> None:
    """Per-site quantities go to mapped sources; the sales source is corrected by the units
    one side deducted and the other not (only documents posted before the report count)."""
    app_context.settings = replace(app_context.settings, extra={"companies": {"acme": {
        "mapping": {"sites": {"default": "Main Warehouse", "east": "East Warehouse"}}}}})
    reported = datetime(2024, 3, 2, 12, 0)
    with app_context.db.session() as session:
        company: Company = add_company(session, "acme", multi_site_enabled=True)
        _posted(session, company.id, ["invoice:1", "invoice:3", "invoice:4"],
                reported - timedelta(hours=1))
        _posted(session, company.id, ["creditmemo:9"], reported + timedelta(hours=1))
        session.add_all([
            Mapping(company_id=company.id, entity_type="item", magento_id="SHIRT", qb_name="SHIRT"),
            Mapping(company_id=company.id, entity_type="item", magento_id="MUG", qb_name="MUG"),
            *(SiteQuantity(company_id=company.id, item_name=item, site_name=site,
                           quantity_on_hand=D(quantity), reported_at=reported)
              for item, site, quantity in (("SHIRT", "Main Warehouse", 10),
                                           ("SHIRT", "East Warehouse", 4),
                                           ("MUG", "Main Warehouse", 5),
                                           ("ORPHAN", "Main Warehouse", 1),
                                           ("MUG", "Back Room", 1))),
        ])
    client = FakeMagento()
    result = push_inventory(app_context, "acme", client, batch_size=2, **_documents())
    pushed = {(i.sku, i.source_code): (i.quantity, i.status) for i in result.items}
    assert pushed == {("SHIRT", "default"): (D(12), 1), ("SHIRT", "east"): (D(4), 1),
                      ("MUG", "default"): (D(3), 1)}
    assert [len(batch) for batch in client.saved] == [2, 1]
    assert len(result.skipped) == 2
    again = push_inventory(app_context, "acme", FakeMagento(), **_documents())
    assert again.items == [] and "fresh answer" in again.skipped[0]


def test_push_does_nothing_when_magento_is_the_record(app_context) -> None:
    """inventory_direction other than quickbooks_to_magento writes nothing to Magento."""
    app_context.settings = replace(app_context.settings, extra={"companies": {"acme": {
        "mapping": {"inventory_direction": "none"}}}})
    client = FakeMagento()
    result = push_inventory(app_context, "acme", client)
    assert client.saved == [] and result.skipped


def test_opening_quantities_make_one_adjustment_per_site() -> None:
    """Initial load: an InventoryAdjustmentAdd per mapped site with NewQuantity lines."""
    from magento_client.documents import SourceItem

    config = parse_mapping_config({"sites": {"default": "Main Warehouse", "east": "East"}})
    items = [SourceItem("SHIRT", "default", D(10), 1), SourceItem("SHIRT", "east", D(3), 1),
             SourceItem("MUG", "default", D(5), 1), SourceItem("GONE", "default", D(1), 1)]
    plan = plan_opening_quantities(items, {"SHIRT": "SHIRT", "MUG": "MUG"}, config,
                                   multi_site=True, ref="OPEN-1")
    assert [p.context["InventorySiteRef"]["FullName"] for p in plan] == ["East", "Main Warehouse"]
    main = plan[1].context["InventoryAdjustmentLineAdd"]
    assert [(line["ItemRef"]["FullName"], line["QuantityAdjustment"]["NewQuantity"])
            for line in main] == [("SHIRT", D(10)), ("MUG", D(5))]
    from qbwc_service.qbxml.render import validate_request

    assert validate_request("InventoryAdjustmentAdd", plan[0].context, version="13.0") == []
