"""searchCriteria semantics of the fake, exercised through the client."""

from __future__ import annotations

from decimal import Decimal

import pytest

from magento_client.client import MagentoClient
from magento_client.fake import FakeMagento, FakeStore
from magento_client.search import Filter, SearchCriteria


def _order_ids(client: MagentoClient, criteria: SearchCriteria) -> set[int]:
    return {o.entity_id for o in client.orders(criteria)}


def _expected(store: FakeStore, keep: object) -> set[int]:
    return {o["entity_id"] for o in store.orders.values() if keep(o)}  # type: ignore[operator]


@pytest.mark.parametrize(("condition", "value", "keep"), [
    ("eq", "processing", lambda o: o["state"] == "processing"),
    ("neq", "processing", lambda o: o["state"] != "processing"),
    ("in", ["new", "canceled"], lambda o: o["state"] in ("new", "canceled")),
    ("nin", ["new", "canceled"], lambda o: o["state"] not in ("new", "canceled")),
    ("like", "proc%", lambda o: o["state"].startswith("proc")),
])
def test_string_conditions(shared_client: MagentoClient, shared_store: FakeStore,
                           condition: str, value: object, keep: object) -> None:
    """eq, neq, in, nin and like on a text field match the store's own reading."""
    criteria = SearchCriteria().where("state", value, condition)  # type: ignore[arg-type]
    assert _order_ids(shared_client, criteria) == _expected(shared_store, keep)


@pytest.mark.parametrize(("condition", "keep"), [
    ("gt", lambda o: o["grand_total"] > 100), ("gteq", lambda o: o["grand_total"] >= 100),
    ("lt", lambda o: o["grand_total"] < 100), ("lteq", lambda o: o["grand_total"] <= 100),
    ("from", lambda o: o["grand_total"] >= 100), ("to", lambda o: o["grand_total"] <= 100),
])
def test_numeric_conditions_compare_as_numbers(shared_client: MagentoClient, shared_store: FakeStore,
                                                condition: str, keep: object) -> None:
    """Range conditions on amounts compare numerically, not as text."""
    criteria = SearchCriteria().where("grand_total", 100, condition)  # type: ignore[arg-type]
    assert _order_ids(shared_client, criteria) == _expected(shared_store, keep)


def test_null_notnull_and_finset(shared_client: MagentoClient, shared_store: FakeStore) -> None:
    """null/notnull test missing values; finset tests membership of a comma list."""
    guests = SearchCriteria().where("customer_id", None, "null")
    assert _order_ids(shared_client, guests) == _expected(shared_store, lambda o: o["customer_id"] is None)
    members = SearchCriteria().where("customer_id", None, "notnull")
    assert _order_ids(shared_client, members) == _expected(shared_store, lambda o: o["customer_id"] is not None)
    with_rule = SearchCriteria().where("applied_rule_ids", "1", "finset")
    assert _order_ids(shared_client, with_rule) == _expected(shared_store, lambda o: o.get("applied_rule_ids") == "1")


def test_groups_and_filters_or(shared_client: MagentoClient, shared_store: FakeStore) -> None:
    """Filters in one group OR together; separate groups AND together."""
    criteria = (SearchCriteria()
                .where_any(Filter("state", "new"), Filter("state", "canceled"))
                .where("store_id", 2))
    assert _order_ids(shared_client, criteria) == _expected(
        shared_store, lambda o: o["state"] in ("new", "canceled") and o["store_id"] == 2)


def test_sort_descending_and_paging_total(shared_client: MagentoClient, shared_store: FakeStore) -> None:
    """An explicit DESC sort is honoured; total_count reports every match."""
    criteria = SearchCriteria().sort("grand_total", "DESC")
    totals = [o.grand_total for o in shared_client.orders(criteria)]
    assert totals == sorted(totals, reverse=True) and len(totals) == len(shared_store.orders)
    body = shared_client.get("/V1/orders", SearchCriteria().page(5, 2))
    assert body["total_count"] == len(shared_store.orders) and len(body["items"]) == 5


def test_fields_returns_a_partial_response(shared_client: MagentoClient) -> None:
    """fields= trims items to the named keys and keeps total_count."""
    body = shared_client.get("/V1/orders", SearchCriteria().page(3, 1)
                             .with_fields("items[entity_id,increment_id,items[sku]],total_count"))
    assert set(body) == {"items", "total_count"}
    assert set(body["items"][0]) == {"entity_id", "increment_id", "items"}
    assert set(body["items"][0]["items"][0]) == {"sku"}


def test_source_items_filter_by_sku_and_source(shared_client: MagentoClient, shared_store: FakeStore) -> None:
    """Source items filter on sku (in) and source_code, quantities as Decimal."""
    sku = "CABLE:USB-C/USB-A&HDMI-ADAPTER-KIT-2M"
    items = list(shared_client.source_items_for_skus([sku, "SIMPLE-002"], source_code="default"))
    assert {i.sku for i in items} == {sku, "SIMPLE-002"}
    assert all(i.source_code == "default" and isinstance(i.quantity, Decimal) for i in items)
    assert items[0].quantity == shared_store.source_items[(items[0].sku, "default")]["quantity"]


def test_in_keeps_the_spaces_of_the_list(shared_client: MagentoClient, shared_store: FakeStore) -> None:
    """Magento splits an ``in`` list on commas only: " canceled" is no state, while an id
    with a space before it still equals the number, as MySQL compares it."""
    states = SearchCriteria().where("state", "new, canceled", "in")
    assert _order_ids(shared_client, states) == _expected(shared_store, lambda o: o["state"] == "new")
    first, second = sorted(shared_store.orders)[:2]
    ids = SearchCriteria().where("entity_id", f"{first}, {second}", "in")
    assert _order_ids(shared_client, ids) == {first, second}


def test_in_and_nin_never_match_a_missing_value(shared_client: MagentoClient,
                                                shared_store: FakeStore) -> None:
    """SQL's IN and NOT IN are never true for NULL: guests are in neither list."""
    guests = _expected(shared_store, lambda o: o["customer_id"] is None)
    assert guests
    assert _order_ids(shared_client, SearchCriteria().where("customer_id", [""], "in")) == set()
    others = SearchCriteria().where("customer_id", [-1], "nin")
    assert _order_ids(shared_client, others) == set(shared_store.orders) - guests


def test_documents_of_many_orders_come_in_a_few_searches(fake: FakeMagento,
                                                         client: MagentoClient) -> None:
    """Invoices, credit memos and shipments of many orders are the ones each order has,
    read with ``order_id in (...)`` a chunk of orders at a time, not one search per order."""
    order_ids = sorted(fake.store.orders)
    for entity, of_order in (("invoices", fake.store.invoices_of),
                             ("creditmemos", fake.store.creditmemos_of),
                             ("shipments", fake.store.shipments_of)):
        expected = sorted(row["entity_id"] for order_id in order_ids for row in of_order(order_id))
        assert expected
        fake.requests.clear()
        documents = list(client.for_orders(entity, order_ids, chunk=10))
        assert sorted(document.entity_id for document in documents) == expected
        searches = [r for r in fake.requests if r.path.endswith(f"/V1/{entity}")]
        chunks, pages = -(-len(order_ids) // 10), -(-len(expected) // 10)
        assert len(searches) <= chunks + pages < len(order_ids)


@pytest.mark.parametrize(("condition", "value"), [
    ("neq", -1), ("nin", [-1]), ("nlike", "-1%"), ("nfinset", "-1"),
])
def test_negative_conditions_never_match_a_missing_value(
        shared_client: MagentoClient, shared_store: FakeStore, condition: str, value: object) -> None:
    """!=, NOT IN, NOT LIKE and NOT FIND_IN_SET are never true for NULL in MySQL: a guest's
    missing customer id is in none of their answers."""
    guests = _expected(shared_store, lambda o: o["customer_id"] is None)
    assert guests
    criteria = SearchCriteria().where("customer_id", value, condition)  # type: ignore[arg-type]
    assert _order_ids(shared_client, criteria) == set(shared_store.orders) - guests


def test_text_that_looks_like_a_number_is_compared_as_text(shared_client: MagentoClient,
                                                           shared_store: FakeStore) -> None:
    """MySQL compares a text column with text: the increment id "000000001" is not "1", and
    every zero-padded increment id is below "1"."""
    first = min(shared_store.orders.values(), key=lambda o: o["entity_id"])
    assert first["increment_id"] == "000000001"
    assert _order_ids(shared_client, SearchCriteria().where("increment_id", "1")) == set()
    exact = SearchCriteria().where("increment_id", first["increment_id"])
    assert _order_ids(shared_client, exact) == {first["entity_id"]}
    below = SearchCriteria().where("increment_id", "1", "lt")
    zero_padded = _expected(shared_store, lambda o: o["increment_id"].startswith("0"))
    assert zero_padded != set(shared_store.orders)
    assert _order_ids(shared_client, below) == zero_padded


def test_a_numeric_field_reads_the_filter_text_as_mysql_does(shared_client: MagentoClient,
                                                             shared_store: FakeStore) -> None:
    """A number column reads compared text by its numeric prefix, and as 0 without one."""
    first = min(shared_store.orders)
    assert _order_ids(shared_client, SearchCriteria().where("entity_id", f"{first}abc")) == {first}
    assert _order_ids(shared_client, SearchCriteria().where("entity_id", "abc", "lt")) == set()
    padded = SearchCriteria().where("entity_id", f"00{first}")
    assert _order_ids(shared_client, padded) == {first}


def test_a_flag_is_compared_as_the_number_mysql_stores(fake: FakeMagento,
                                                       client: MagentoClient) -> None:
    """A boolean field is 0 or 1 in MySQL: ``enabled eq 1`` finds the enabled sources."""
    fake.store.sources[-1]["enabled"] = False
    enabled = {s["source_code"] for s in fake.store.sources if s["enabled"]}
    disabled = {s["source_code"] for s in fake.store.sources if not s["enabled"]}
    assert enabled and disabled
    found = {s.source_code for s in client.sources(SearchCriteria().where("enabled", True))}
    assert found == enabled
    found = {s.source_code for s in client.sources(SearchCriteria().where("enabled", False))}
    assert found == disabled


def test_sorting_follows_the_field_type_and_puts_null_first(fake: FakeMagento,
                                                            client: MagentoClient) -> None:
    """A text field sorts as text ("10" before "9"); NULL sorts first when ascending."""
    first, second = sorted(fake.store.orders)[:2]
    fake.store.update_order(first, {"increment_id": "9"})
    fake.store.update_order(second, {"increment_id": "10"})
    numbers = [o.increment_id for o in client.orders(SearchCriteria().sort("increment_id"))]
    assert numbers == sorted(numbers) and numbers.index("10") + 1 == numbers.index("9")
    by_customer = [o.customer_id for o in client.orders(SearchCriteria().sort("customer_id"))]
    guests = sum(1 for o in fake.store.orders.values() if o["customer_id"] is None)
    assert guests and by_customer[:guests] == [None] * guests
    assert None not in by_customer[guests:]
