"""Typed documents: real samples load unchanged, money is Decimal, signs are normalised."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from magento_client.documents import (
    Address,
    CreditMemo,
    Customer,
    Invoice,
    Order,
    Product,
    Source,
    SourceItem,
    Stock,
    StoreConfig,
)
from tests.conftest import reference_path
from tests.magento_client.conftest import load_fixture

SAMPLES = ("magento", "samples")


def _sample(name: str) -> dict:
    return json.loads(reference_path(*SAMPLES, name).read_text(encoding="utf-8"))


def test_reference_order_loads_with_tree_and_addresses() -> None:
    """The Adobe tutorial order parses: UTC dates, Decimal totals, shipping address, tree."""
    order = Order.from_json(_sample("order_adobe_tutorial_bundle_configurable_downloadable.json"))
    assert order.increment_id == "000000003"
    assert order.created_at == datetime(2017, 8, 21, 22, 22, 19, tzinfo=UTC)
    assert order.grand_total == Decimal("165") and isinstance(order.subtotal, Decimal)
    assert order.shipping_address is not None and order.shipping_address.city == "Purchase"
    assert order.shipping_method == "tablerate_bestway"
    assert order.payment is not None and order.payment.method == "banktransfer"
    assert [item.item_id for item in order.items] == [3, 4, 5, 10]
    bundle = order.items[2]
    assert bundle.bundle_price_type == "dynamic"
    assert [child.item_id for child in bundle.children] == [6, 7, 8, 9]
    assert all(c.parent_product_type == "bundle" for c in bundle.children)
    assert order.items[3].children[0].parent_product_type == "configurable"
    assert not order.customer_is_guest and order.customer_id == 3


def test_reference_invoice_rows_with_row_total_sum_to_subtotal() -> None:
    """Invoice rows that carry a row_total add up to the subtotal (160)."""
    invoice = Invoice.from_json(_sample("invoice_adobe_tutorial.json"))
    priced = [item for item in invoice.items if item.has_row_total]
    assert sum(item.row_total for item in priced) == invoice.subtotal == Decimal("160")
    assert invoice.is_paid and invoice.total_qty == Decimal("9")
    bundle_parent = next(item for item in invoice.items if item.order_item_id == 5)
    assert not bundle_parent.has_row_total


@pytest.mark.parametrize(("name", "sku", "type_id", "bundle_price_type"), [
    ("product_simple_MS-Champ-S_adobe_tutorial.json", "MS-Champ-S", "simple", None),
    ("product_configurable_MS-Champ_adobe_tutorial.json", "MS-Champ", "configurable", None),
    ("product_bundle_Desktop-Computer_adobe_tutorial.json", "Desktop-Computer", "bundle", "dynamic"),
    ("product_grouped_adobe_tutorial.json", "new-grouped", "grouped", None),
])
def test_reference_products_load(name: str, sku: str, type_id: str, bundle_price_type: str | None) -> None:
    """Each product sample loads with its type, SKU and bundle price type."""
    product = Product.from_json(_sample(name))
    assert (product.sku, product.type_id, product.bundle_price_type) == (sku, type_id, bundle_price_type)
    if type_id == "grouped":
        assert product.price is None
    if type_id == "bundle":
        assert [o.title for o in product.bundle_options] == ["RAM", "Monitor"]
        assert product.bundle_options[1].links[1].price == Decimal("150")
    if type_id == "simple":
        assert product.stock_item is not None and product.stock_item.qty == Decimal("10")


def test_reference_inventory_samples_load() -> None:
    """Sources, source items and stocks samples load into their documents."""
    sources = [Source.from_json(row) for row in _sample("sources_search_adobe_docs.json")["items"]]
    assert [s.source_code for s in sources] == ["central", "default", "east"]
    items = [SourceItem.from_json(r) for r in _sample("source_items_search_adobe_docs.json")["items"]]
    assert items[0].quantity == Decimal("500") and items[1].source_code == "east"
    posted = _sample("source_items_POST_payload_adobe_docs.json")["sourceItems"]
    assert [SourceItem.from_json(row).to_json() for row in posted] == posted
    stocks = [Stock.from_json(row) for row in _sample("stocks_search_adobe_docs.json")["items"]]
    assert stocks[1].sales_channels[0].code == "test_site"


def test_own_fixture_guest_edited_order() -> None:
    """Guest, admin-edited, multi-currency order: flags, ids and the negative discount."""
    order = Order.from_json(load_fixture("order_guest_edited_fixed_bundle.json"))
    assert order.customer_is_guest and order.customer_id is None
    assert order.is_edited and order.original_increment_id == "2000000501"
    assert order.relation_parent_id == 500 and len(order.increment_id) > 11
    assert order.discount_amount == Decimal("-28.4")
    assert order.items[0].bundle_price_type == "fixed"
    assert order.items[2].bundle_price_type == "dynamic"
    assert order.billing_address is not None and order.billing_address.telephone is None
    assert order.billing_address.street == ["12 Rue de l'Église", "Bât. B"]
    assert order.shipping_address is not None and order.shipping_address.street[0].startswith("5 Quai")


def test_discount_signs_are_normalised_whatever_the_payload() -> None:
    """Order-level discounts read negative and item-level ones positive, from either sign."""
    order = Order.from_json({"entity_id": 1, "discount_amount": 5, "base_discount_amount": "-5.00",
                             "items": [{"item_id": 1, "sku": "A", "discount_amount": -5}]})
    assert order.discount_amount == Decimal("-5") == order.base_discount_amount
    assert order.items[0].discount_amount == Decimal("5")
    memo = CreditMemo.from_json({"entity_id": 1, "order_id": 1, "discount_amount": 3,
                                 "adjustment_positive": 2, "adjustment_negative": 1, "items": []})
    assert memo.discount_amount == Decimal("-3") and memo.adjustment == Decimal("1")


def test_float_amounts_become_exact_decimals() -> None:
    """A float amount keeps its shortest decimal form, never a binary expansion."""
    order = Order.from_json({"entity_id": 1, "grand_total": 0.1 + 0.2, "subtotal": 19.99, "items": []})
    assert order.subtotal == Decimal("19.99")
    assert order.grand_total == Decimal("0.30000000000000004")


def test_customer_store_config_and_address_region_object() -> None:
    """Customer addresses with a region object, and store configs, parse."""
    customer = Customer.from_json({
        "id": 7, "email": "a@example.com", "firstname": "José", "lastname": "García",
        "updated_at": "2026-01-02 03:04:05",
        "addresses": [{"id": 70, "region": {"region_code": "TX", "region": "Texas", "region_id": 57},
                       "street": ["1 Main"], "default_billing": True}]})
    address = customer.default_billing_address
    assert isinstance(address, Address) and address.region_code == "TX" and address.region == "Texas"
    assert customer.default_shipping_address is None
    config = StoreConfig.from_json({"id": 1, "code": "default", "timezone": "America/Chicago",
                                    "base_currency_code": "USD"})
    assert config.timezone == "America/Chicago"


def test_shipment_names_the_msi_source_that_shipped_it() -> None:
    """A shipment reads its rows and MSI's ``extension_attributes.source_code``; one from a
    store without MSI has no source."""
    from magento_client.documents import Shipment

    document = load_fixture("shipment_msi_east.json")
    shipment = Shipment.from_json(document)
    assert (shipment.entity_id, shipment.order_id, shipment.source_code) == (7, 12, "east")
    assert [(row.order_item_id, row.sku, row.qty) for row in shipment.items] == [
        (88, "HOODIE-M-BLUE", Decimal(2)), (90, "MUG-ENAMEL", Decimal(1))]
    assert shipment.created_at == datetime(2026, 1, 5, 14, 12, 40, tzinfo=UTC)
    without_msi = Shipment.from_json({**document, "extension_attributes": {}})
    assert without_msi.source_code is None


def test_fixture_shipment_matches_the_schema() -> None:
    """The shipment fixture has the shape of Magento's ``sales-data-shipment-interface``."""
    from tests.magento_client.schema_check import SchemaChecker

    path = reference_path("magento", "openapi", "admin-schema-2.4.8.json")
    checker = SchemaChecker(json.loads(path.read_text(encoding="utf-8")))
    assert checker.check(load_fixture("shipment_msi_east.json"),
                         checker.response_schema("/V1/shipment/{id}")) == []
