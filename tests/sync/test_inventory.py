"""Inventory: queries queued per company, reservations added back, batched MSI writes."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from sqlalchemy import select

from magento_client.documents import Order
from qbwc_service.db.models import Company, Mapping, Request, SiteQuantity
from qbwc_service.sync.config import parse_mapping_config
from qbwc_service.sync.inventory import (
    enqueue_inventory_query,
    plan_opening_quantities,
    push_inventory,
    unshipped_reservations,
)

from .fakeclient import FakeMagento
from .posting import add_company


def _order(state: str, invoiced: int, shipped: int) -> Order:
    return Order.from_json({"entity_id": 1, "increment_id": "1", "state": state, "items": [
        {"item_id": 1, "sku": "SHIRT", "product_type": "configurable", "qty_ordered": 3,
         "qty_invoiced": invoiced, "qty_shipped": shipped},
        {"item_id": 2, "parent_item_id": 1, "sku": "SHIRT", "product_type": "simple",
         "qty_ordered": 3, "parent_item": {"product_type": "configurable"}},
        {"item_id": 3, "sku": "MUG", "product_type": "simple", "qty_ordered": 2,
         "qty_invoiced": 2, "qty_shipped": 0},
        {"item_id": 4, "sku": "EBOOK", "product_type": "virtual", "is_virtual": 1,
         "qty_ordered": 1, "qty_invoiced": 1}]})


def test_reservations_count_invoiced_but_unshipped_units_once() -> None:
    """Configurable variants count through their parent; virtual and complete orders not at all."""
    assert unshipped_reservations([_order("processing", 3, 1)]) == {"SHIRT": D(2), "MUG": D(2)}
    assert unshipped_reservations([_order("complete", 3, 3)]) == {}


def test_query_is_per_site_only_when_the_company_uses_sites(db) -> None:
    """ItemSitesQuery for multi-site company files, ItemInventoryQuery otherwise."""
    with db.session() as session:
        multi = add_company(session, "multi", multi_site_enabled=True)
        single = add_company(session, "single", multi_site_enabled=False)
        assert enqueue_inventory_query(session, multi).operation == "ItemSitesQuery"
        assert enqueue_inventory_query(session, single).operation == "ItemInventoryQuery"
        assert {r.operation for r in session.scalars(select(Request))} == {
            "ItemSitesQuery", "ItemInventoryQuery"}


def test_push_adds_reservations_and_maps_sites_to_sources(app_context) -> None:
    """Per-site quantities go to mapped sources; the sales source gets reserved units back."""
    app_context.settings = replace(app_context.settings, extra={"companies": {"acme": {
        "mapping": {"sites": {"default": "Main Warehouse", "east": "East Warehouse"}}}}})
    with app_context.db.session() as session:
        company: Company = add_company(session, "acme", multi_site_enabled=True)
        session.add_all([
            Mapping(company_id=company.id, entity_type="item", magento_id="SHIRT", qb_name="SHIRT"),
            Mapping(company_id=company.id, entity_type="item", magento_id="MUG", qb_name="MUG"),
            SiteQuantity(company_id=company.id, item_name="SHIRT", site_name="Main Warehouse",
                         quantity_on_hand=D(10)),
            SiteQuantity(company_id=company.id, item_name="SHIRT", site_name="East Warehouse",
                         quantity_on_hand=D(4)),
            SiteQuantity(company_id=company.id, item_name="MUG", site_name="Main Warehouse",
                         quantity_on_hand=D(0)),
            SiteQuantity(company_id=company.id, item_name="ORPHAN", site_name="Main Warehouse",
                         quantity_on_hand=D(1)),
            SiteQuantity(company_id=company.id, item_name="MUG", site_name="Back Room",
                         quantity_on_hand=D(1)),
        ])
    client = FakeMagento()
    result = push_inventory(app_context, "acme", client, open_orders=[_order("processing", 3, 1)],
                            batch_size=2)
    pushed = {(i.sku, i.source_code): (i.quantity, i.status) for i in result.items}
    assert pushed == {("SHIRT", "default"): (D(12), 1), ("SHIRT", "east"): (D(4), 1),
                      ("MUG", "default"): (D(2), 1)}
    assert [len(batch) for batch in client.saved] == [2, 1]
    assert len(result.skipped) == 2


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
