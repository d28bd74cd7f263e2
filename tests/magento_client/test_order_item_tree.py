"""Item-tree rules: which rows become accounting lines, on real and own orders."""

from __future__ import annotations

import json
from decimal import Decimal

from magento_client.documents import Order
from magento_client.order_item_tree import (
    expected_grand_total,
    is_line,
    is_priced_child,
    iter_leaf_lines,
    lines_subtotal,
)
from tests.conftest import reference_path
from tests.magento_client.conftest import load_fixture


def _reference_order() -> Order:
    path = reference_path("magento", "samples",
                          "order_adobe_tutorial_bundle_configurable_downloadable.json")
    return Order.from_json(json.loads(path.read_text(encoding="utf-8")))


def test_reference_order_lines_sum_to_160_not_228() -> None:
    """Lines are the simple, downloadable, dynamic-bundle children and configurable parent."""
    order = _reference_order()
    lines = list(iter_leaf_lines(order))
    assert [line.item_id for line in lines] == [3, 4, 6, 7, 8, 9, 10]
    assert lines_subtotal(order) == Decimal("160") == order.subtotal
    assert sum(item.row_total for item in order.all_items()) == Decimal("228")
    assert expected_grand_total(order) == order.grand_total


def test_reference_configurable_child_is_skipped_and_parent_carries_variant_sku() -> None:
    """The configurable child (price 0) is no line; the parent line has the variant SKU."""
    order = _reference_order()
    parent = order.items[3]
    child = parent.children[0]
    assert is_line(parent) and not is_line(child) and not is_priced_child(child)
    assert parent.sku == child.sku == "MH01-S-Gray"


def test_reference_dynamic_bundle_children_are_priced() -> None:
    """Dynamic-bundle children carry the money; the parent row is not a line."""
    order = _reference_order()
    bundle = order.items[2]
    assert not is_line(bundle)
    assert all(is_priced_child(child) for child in bundle.children)


def test_own_fixture_fixed_bundle_posts_parent_only() -> None:
    """A fixed-price bundle posts its parent; zero-price components are skipped."""
    order = Order.from_json(load_fixture("order_guest_edited_fixed_bundle.json"))
    skus = [line.sku for line in iter_leaf_lines(order)]
    assert skus == ["BUNDLE-FIXED-DESK", "MH01-M-Gray", "TEA-01", "COFFEE-01", "VIRTUAL-1"]
    assert not any(is_priced_child(child) for child in order.items[0].children)


def test_own_fixture_control_total_reconciles() -> None:
    """Lines + shipping + tax + order discount equal grand_total to the cent."""
    order = Order.from_json(load_fixture("order_guest_edited_fixed_bundle.json"))
    assert lines_subtotal(order) == order.subtotal == Decimal("304")
    assert expected_grand_total(order) == order.grand_total == Decimal("307.52")


def test_bundle_without_price_type_is_decided_by_data() -> None:
    """With no explicit price type, a bundle whose children are all zero posts the parent."""
    order = Order.from_json({"entity_id": 1, "items": [
        {"item_id": 1, "sku": "B", "product_type": "bundle", "price": 10, "row_total": 10},
        {"item_id": 2, "sku": "C", "parent_item_id": 1, "price": 0, "row_total": 0},
    ]})
    assert order.items[0].bundle_price_type == "fixed"
    assert [line.item_id for line in iter_leaf_lines(order)] == [1]


def test_explicit_product_calculations_wins_over_data() -> None:
    """``product_options.product_calculations`` 0 marks a dynamic bundle even at zero prices."""
    order = Order.from_json({"entity_id": 1, "items": [
        {"item_id": 1, "sku": "B", "product_type": "bundle", "price": 0,
         "product_options": {"product_calculations": 0}},
        {"item_id": 2, "sku": "C", "parent_item_id": 1, "price": 0},
    ]})
    assert order.items[0].bundle_price_type == "dynamic"
    assert [line.item_id for line in iter_leaf_lines(order)] == [2]
