"""Client endpoints against the fake: sales, catalog, customers, stores, MSI, increments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from magento_client.client import MagentoClient
from magento_client.documents import SourceItem
from magento_client.fake import FakeMagento, FakeStore


def test_order_invoices_and_credit_memos_link_up(shared_client: MagentoClient,
                                                 shared_store: FakeStore) -> None:
    """Invoices and credit memos of an order are found by order_id and by their own id."""
    memo_doc = next(iter(shared_store.creditmemos.values()))
    order = shared_client.order(memo_doc["order_id"])
    invoices = list(shared_client.for_orders("invoices", [order.entity_id]))
    memos = list(shared_client.for_orders("creditmemos", [order.entity_id]))
    assert invoices and memos and all(i.order_id == order.entity_id for i in invoices)
    assert shared_client.credit_memo(memos[0].entity_id).increment_id == memos[0].increment_id
    assert shared_client.invoice(invoices[0].entity_id).grand_total == invoices[0].grand_total


def test_order_by_increment_id(shared_client: MagentoClient, shared_store: FakeStore) -> None:
    """Looking an order up by number uses a search, not the path."""
    wanted = shared_store.orders[7]["increment_id"]
    order = shared_client.order_by_increment_id(wanted)
    assert order is not None and order.entity_id == 7
    assert shared_client.order_by_increment_id("no-such-number") is None


def test_catalog_endpoints(shared_client: MagentoClient) -> None:
    """Products with configurable children and bundle options with price type."""
    hoodie = shared_client.product("MH01")
    assert hoodie is not None and hoodie.type_id == "configurable"
    children = shared_client.configurable_children("MH01")
    assert sorted(c.id or 0 for c in children) == sorted(hoodie.configurable_child_ids)
    fixed = shared_client.product("BUNDLE-FIXED-2")
    assert fixed is not None and fixed.bundle_price_type == "fixed"
    assert len(shared_client.bundle_options("BUNDLE-FIXED-2")) == 3
    assert sum(1 for _ in shared_client.products()) == 36


def test_customers_stores_sources_stocks(shared_client: MagentoClient) -> None:
    """Customers search, store configs (two stores), four MSI sources, two stocks."""
    customers = list(shared_client.customers())
    assert customers and shared_client.customer(customers[0].id).email == customers[0].email
    configs = shared_client.store_configs()
    assert [(c.code, c.base_currency_code, c.default_display_currency_code) for c in configs] == [
        ("default", "USD", "USD"), ("eu_fr", "USD", "EUR")]
    assert [c.code for c in shared_client.store_configs(["eu_fr"])] == ["eu_fr"]
    assert len(list(shared_client.sources())) == 4
    assert [s.stock_id for s in shared_client.stocks()] == [1, 2]


def test_save_source_items_in_batches(fake: FakeMagento, client: MagentoClient) -> None:
    """Writes go in batches of write_batch_size and land as absolute quantities."""
    skus = [p["sku"] for p in fake.store.products.values() if p["type_id"] in ("simple", "virtual")][:25]
    items = [SourceItem(sku, "east", Decimal(i), 1) for i, sku in enumerate(skus)]
    assert client.save_source_items(items) == 2
    assert fake.router.source_item_writes == 2
    assert fake.store.source_items[(skus[24], "east")]["quantity"] == Decimal(24)


def test_iter_updated_returns_window_and_watermark(fake: FakeMagento, client: MagentoClient) -> None:
    """The incremental pull re-reads the overlap and reports the newest updated_at seen."""
    first = client.iter_updated("orders", datetime(2000, 1, 1, tzinfo=UTC), timedelta(0))
    everything = list(first)
    assert len(everything) == 24 and first.max_updated_at == max(o.updated_at for o in everything)  # type: ignore[type-var]
    assert first.max_updated_at is not None
    nothing = client.iter_updated("orders", first.max_updated_at + timedelta(hours=1), timedelta(0))
    assert list(nothing) == [] and nothing.max_updated_at is None
    fake.store.update_order(3, {"status": "holded"})
    again = client.iter_updated("orders", first.max_updated_at, timedelta(minutes=5))
    seen = {o.entity_id for o in again}
    assert 3 in seen and again.max_updated_at is not None and again.max_updated_at > first.max_updated_at


def test_count_uses_a_one_row_page(shared_client: MagentoClient, shared_store: FakeStore) -> None:
    """count() reports total_count for each searchable entity."""
    assert shared_client.count("orders") == len(shared_store.orders)
    assert shared_client.count("invoices") == len(shared_store.invoices)
    assert shared_client.count("creditmemos") == len(shared_store.creditmemos)
    assert shared_client.count("customers") == len(shared_store.customers)


def test_shipments_for_an_order_carry_their_sources(fake: FakeMagento,
                                                   client: MagentoClient) -> None:
    """``GET /V1/shipments`` by order id: each shipment of that order only, with its MSI
    source and rows; ``GET /V1/shipment/{id}`` gives the same document."""
    store = fake.store
    order_id = next(o for o in store.orders if store.shipments_of(o))
    shipments = client.shipments_for_order(order_id)
    raw = store.shipments_of(order_id)
    assert [s.entity_id for s in shipments] == [s["entity_id"] for s in raw]
    assert [s.source_code for s in shipments] == [
        s["extension_attributes"]["source_code"] for s in raw]
    assert all(s.order_id == order_id and s.items for s in shipments)
    assert len(list(client.shipments())) == len(store.shipments)
    one = client.shipment(shipments[0].entity_id)
    assert one == shipments[0]
