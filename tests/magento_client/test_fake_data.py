"""The generated dataset: consistent to the cent, covering every case, deterministic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from magento_client.client import MagentoClient
from magento_client.documents import CreditMemo, Invoice, Order
from magento_client.fake import FakeMagento, FakeStore
from magento_client.fake.checks import credit_memo_problems, invoice_problems, order_problems
from magento_client.fake.render import dumps, render_order
from magento_client.order_item_tree import iter_leaf_lines
from magento_client.search import SearchCriteria


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_every_document_adds_up_in_both_currencies(seed: int) -> None:
    """Orders, invoices and credit memos keep Magento's totals identities to the cent."""
    store = FakeStore.generate(orders=60, seed=seed)
    problems = [p for o in store.orders.values() for p in order_problems(o)]
    problems += [p for i in store.invoices.values() for p in invoice_problems(i)]
    problems += [p for c in store.creditmemos.values() for p in credit_memo_problems(c)]
    assert problems == []


def test_invoices_of_a_fully_invoiced_order_sum_to_it(shared_store: FakeStore) -> None:
    """Partial invoices pro-rate so that together they equal the order exactly."""
    checked = 0
    for order in shared_store.orders.values():
        invoices = shared_store.invoices_of(order["entity_id"])
        if len(invoices) > 1 and all(r["qty_invoiced"] == r["qty_ordered"] for r in order["items"]):
            for prefix in ("", "base_"):
                assert sum(i[prefix + "grand_total"] for i in invoices) == order[prefix + "grand_total"]
            checked += 1
    assert checked > 0


def test_coverage_of_the_cases_the_sync_must_handle(shared_store: FakeStore) -> None:
    """Guests, both bundle types, configurables, virtual, multi-currency, edits and more."""
    orders = [Order.from_json(render_order(o)) for o in shared_store.orders.values()]
    rows = [item for order in orders for item in order.all_items()]
    assert any(o.customer_is_guest and o.customer_id is None for o in orders)
    assert {i.bundle_price_type for i in rows if i.product_type == "bundle"} == {"dynamic", "fixed"}
    assert any(i.product_type == "configurable" and i.children for i in rows)
    assert {"virtual", "downloadable"} <= {i.product_type for i in rows}
    assert any(o.is_virtual and o.shipping_address is None for o in orders)
    assert any(o.base_to_order_rate != 1 and o.order_currency_code != o.base_currency_code for o in orders)
    assert any(o.discount_tax_compensation_amount > 0 for o in orders)
    assert any(o.coupon_code and o.discount_amount < 0 for o in orders)
    assert any(o.shipping_amount > 0 and o.shipping_tax_amount > 0 for o in orders)
    assert any(o.is_edited and o.increment_id.endswith("-1") for o in orders)
    assert any(o.state == "canceled" for o in orders)
    assert any(len(o.increment_id) > 11 for o in orders)
    assert any(len(i.sku) > 31 and "/" in i.sku and "&" in i.sku and ":" in i.sku for i in rows)
    names = " ".join(i.name for i in rows)
    assert "é" in names and ("🚀" in names or "☕" in names)
    assert any("\u4e00" <= ch <= "\u9fff" or "\u3040" <= ch <= "\u30ff" for ch in names)
    assert {o.store_id for o in orders} == {1, 2}
    invoices = [Invoice.from_json(i) for i in shared_store.invoices.values()]
    memos = [CreditMemo.from_json(c) for c in shared_store.creditmemos.values()]
    assert any(len(shared_store.invoices_of(o.entity_id)) > 1 for o in orders)
    assert any(i.shipping_amount == 0 for i in invoices) and any(i.shipping_amount > 0 for i in invoices)
    assert any(m.adjustment_positive > 0 and m.adjustment_negative > 0 for m in memos)
    assert any(m.invoice_id is None for m in memos) and any(m.invoice_id for m in memos)
    # What the posting rules must book account by account
    assert any(len(o.raw["extension_attributes"].get("applied_taxes") or []) > 1 for o in orders)
    assert any(entry["type"] == "shipping" for o in orders
               for entry in o.raw["extension_attributes"].get("item_applied_taxes") or [])
    assert any(m.raw.get("transaction_id") for m in memos)
    assert any(not m.raw.get("transaction_id") for m in memos)
    flags = {row.raw["extension_attributes"]["back_to_stock"] for m in memos for row in m.items}
    assert flags == {True, False}
    assert any(i.updated_at and i.created_at and i.updated_at.date() > i.created_at.date()
               and i.is_paid for i in invoices)
    assert any(row.qty_shipped > 0 for row in rows)
    assert any(Decimal(str(o.raw.get("shipping_discount_amount") or 0)) > 0
               and o.tax_amount > 0 for o in orders)
    assert any(i.base_grand_total == 0 and not i.items for i in invoices)


def test_same_seed_same_bytes_different_seed_different_data() -> None:
    """Generation is deterministic under a seed."""
    first, second = FakeStore.generate(orders=15, seed=9), FakeStore.generate(orders=15, seed=9)
    other = FakeStore.generate(orders=15, seed=10)
    assert [dumps(render_order(o)) for o in first.orders.values()] == \
        [dumps(render_order(o)) for o in second.orders.values()]
    assert first.credentials == second.credentials != other.credentials
    assert [o["grand_total"] for o in first.orders.values()] != \
        [o["grand_total"] for o in other.orders.values()]


def test_dynamic_bundle_parent_carries_children_sums(shared_store: FakeStore) -> None:
    """A dynamic bundle parent's row total, tax and discount are its children's sums."""
    order = next(Order.from_json(o) for o in shared_store.orders.values()
                 if any(i.bundle_price_type == "dynamic" for i in Order.from_json(o).items))
    bundle = next(i for i in order.items if i.bundle_price_type == "dynamic")
    for name in ("row_total", "tax_amount", "discount_amount", "base_row_total"):
        assert getattr(bundle, name) == sum((getattr(c, name) for c in bundle.children), Decimal(0))
    assert bundle not in list(iter_leaf_lines(order))


def test_edited_order_is_served_with_new_updated_at(fake: FakeMagento, client: MagentoClient) -> None:
    """update_order changes the data and updated_at, and the served JSON follows."""
    before = client.order(1)
    fake.store.update_order(1, {"status": "holded", "state": "holded"})
    after = client.order(1)
    assert after.status == "holded" and before.updated_at is not None
    assert after.updated_at is not None and after.updated_at > before.updated_at


def test_invoice_created_through_rest_adds_up(fake: FakeMagento, client: MagentoClient) -> None:
    """POST /V1/order/{id}/invoice creates a consistent invoice for the remaining quantities."""
    order_id = next(o["entity_id"] for o in fake.store.orders.values() if o["state"] == "new")
    invoice_id = client.post(f"/V1/order/{order_id}/invoice", {"capture": True})
    invoice = client.invoice(invoice_id)
    assert invoice.order_id == order_id and invoice_problems(invoice.raw) == []
    assert invoice.grand_total == client.order(order_id).grand_total
    assert client.order(order_id).state == "processing"


def test_an_invoice_moves_its_order_to_the_top_of_a_sort_by_updated_at(
        fake: FakeMagento, client: MagentoClient) -> None:
    """Invoicing an order is an edit of it: an unfiltered search sorted by updated_at,
    sorted once before, puts the invoiced order first afterwards."""
    newest = SearchCriteria().sort("updated_at", "DESC").page(1, 1)
    first_before = client.get("/V1/orders", newest)["items"][0]["entity_id"]
    order_id = next(o["entity_id"] for o in fake.store.orders.values()
                    if o["state"] == "new" and o["entity_id"] != first_before)
    client.post(f"/V1/order/{order_id}/invoice", {"capture": True})
    assert client.get("/V1/orders", newest)["items"][0]["entity_id"] == order_id


def test_shipping_lowers_the_shipping_source_only() -> None:
    """A shipment names its source and lowers that source's quantity by the units shipped
    (Magento deducts at shipment); other sources keep theirs; shipped rows are marked."""
    store = FakeStore.generate(orders=40, seed=3)
    order_id = next(
        oid for oid, order in store.orders.items() if not store.shipments_of(oid) and any(
            Decimal(r["qty_invoiced"]) > 0 and not r.get("is_virtual")
            and r["product_type"] == "simple" and "parent_item_id" not in r
            for r in order["items"]))
    before = {key: Decimal(item["quantity"]) for key, item in store.source_items.items()}
    shipment = store.ship_order(order_id, "default")
    assert shipment is not None and shipment["extension_attributes"]["source_code"] == "default"
    after = {key: Decimal(item["quantity"]) for key, item in store.source_items.items()}
    changed = {key: before[key] - after[key] for key in before if before[key] != after[key]}
    assert changed and all(source == "default" for _sku, source in changed)
    shipped_rows = {row["order_item_id"] for row in shipment["items"]}
    order = store.orders[order_id]
    assert all(Decimal(r["qty_shipped"]) == Decimal(r["qty_invoiced"])
               for r in order["items"] if r["item_id"] in shipped_rows)
    assert store.ship_order(order_id, "default") is None  # nothing left to ship
