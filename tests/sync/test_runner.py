"""Pull and enqueue: watermarks, idempotent repeats, dependencies, dry runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D

from sqlalchemy import select

from qbwc_service.db.models import Request, RequestDependency, Watermark
from qbwc_service.sync.runner import pull_and_enqueue

from .factories import Line, OrderBuilder
from .fakeclient import FakeMagento
from .posting import add_company


def _store() -> FakeMagento:
    builder = OrderBuilder(shipping=D(5)).add(Line("A", D("10.00")))
    canceled = OrderBuilder(entity_id=2, increment_id="000000002", state="canceled")
    canceled.add(Line("B", D(3)))
    memo = builder.credit_memo(skus={"A"})
    return FakeMagento(orders=[builder.order(), canceled.order()], invoices=[builder.invoice()],
                       creditmemos=[memo])


def _keys(session) -> set[str]:
    return set(session.scalars(select(Request.idempotency_key)))


def test_pull_queues_plans_with_dependencies_and_sets_watermarks(app_context) -> None:
    """Invoices depend on their customer and items; credit memos on their invoice."""
    with app_context.db.session() as session:
        company_id = add_company(session).id
    client = _store()
    report = pull_and_enqueue(app_context, "acme", client=client)
    assert report.read == {"orders": 2, "invoices": 1, "creditmemos": 1}
    assert any("canceled before it was invoiced" in line for line in report.skipped)
    with app_context.db.session() as session:
        keys = _keys(session)
        assert {"customer:7", "item:A", "invoice:1", "payment:1", "creditmemo:1",
                "setup-item:shipping"} <= keys
        invoice = session.scalars(select(Request).where(
            Request.idempotency_key == "invoice:1")).one()
        memo = session.scalars(select(Request).where(
            Request.idempotency_key == "creditmemo:1")).one()
        deps = {d for (d,) in session.execute(select(RequestDependency.depends_on_id).where(
            RequestDependency.request_id == memo.id))}
        assert invoice.id in deps
        marks = {w.entity: w.updated_at_value for w in session.scalars(
            select(Watermark).where(Watermark.company_id == company_id))}
    assert marks == {"orders": "2024-03-01 12:00:00", "invoices": "2024-03-01 12:00:00",
                     "creditmemos": "2024-03-01 12:00:00"}


def test_repeating_a_pull_queues_nothing_new(app_context) -> None:
    """A second run re-reads the overlap window but creates no duplicate requests."""
    with app_context.db.session() as session:
        add_company(session)
    client = _store()
    first = pull_and_enqueue(app_context, "acme", client=client)
    second = pull_and_enqueue(app_context, "acme", client=client)
    assert first.created > 0
    assert second.created == 0 and second.changed == 0
    with app_context.db.session() as session:
        count = len(_keys(session))
    assert count == first.created
    watermark_start = [start for entity, start in client.pulls if entity == "invoices"][-1]
    assert watermark_start == datetime(2024, 3, 1, 11, 50, tzinfo=UTC)


def test_dry_run_plans_but_queues_nothing_and_keeps_watermarks(app_context) -> None:
    """--dry-run lists the planned requests without touching the queue or watermarks."""
    with app_context.db.session() as session:
        add_company(session)
    report = pull_and_enqueue(app_context, "acme", client=_store(), dry_run=True)
    assert {p.key for p in report.planned} >= {"invoice:1", "creditmemo:1"}
    with app_context.db.session() as session:
        assert _keys(session) == set()
        assert session.scalars(select(Watermark)).first() is None


def test_since_overrides_the_watermark(app_context) -> None:
    """An explicit since reads from that date even when a later watermark exists."""
    with app_context.db.session() as session:
        add_company(session)
    client = _store()
    pull_and_enqueue(app_context, "acme", client=client, entities=("invoices",))
    since = datetime(2020, 1, 1, tzinfo=UTC)
    pull_and_enqueue(app_context, "acme", client=client, entities=("invoices",), since=since)
    assert client.pulls[-1][1] < datetime(2020, 1, 1, tzinfo=UTC)


def test_changed_document_updates_the_unsent_request(app_context) -> None:
    """A Magento invoice edited before it was sent updates its queued request in place."""
    with app_context.db.session() as session:
        add_company(session)
    client = _store()
    pull_and_enqueue(app_context, "acme", client=client, entities=("invoices",))
    edited = OrderBuilder(shipping=D(7)).add(Line("A", D("10.00")))
    client.documents["invoices"] = [edited.invoice()]
    client.documents["orders"] = [edited.order()]
    report = pull_and_enqueue(app_context, "acme", client=client, entities=("invoices",))
    assert report.changed >= 1
    with app_context.db.session() as session:
        invoice = session.scalars(select(Request).where(
            Request.idempotency_key == "invoice:1")).one()
    assert any(line["Amount"] == "7.00" for line in invoice.payload["InvoiceLineAdd"])


def test_non_us_company_file_is_refused_with_the_reason(app_context) -> None:
    """A UK/CA/AU edition stops the sync of invoices with a message naming VAT/GST."""
    import pytest

    from qbwc_service.sync.exceptions import SyncError

    with app_context.db.session() as session:
        add_company(session, qb_country="UK")
    with pytest.raises(SyncError) as refused:
        pull_and_enqueue(app_context, "acme", client=_store())
    assert "UK edition" in str(refused.value) and "VAT/GST" in str(refused.value)
    with app_context.db.session() as session:
        assert not any(key.startswith("invoice:") for key in _keys(session))


def test_dry_run_lists_exactly_what_the_real_run_queues(app_context) -> None:
    """The dry run's new/changed requests are the ones the real run then queues, setup
    items and customers from orders included; the dry run leaves the queue empty."""
    with app_context.db.session() as session:
        add_company(session)
    dry = pull_and_enqueue(app_context, "acme", client=_store(), dry_run=True)
    with app_context.db.session() as session:
        assert _keys(session) == set()
    real = pull_and_enqueue(app_context, "acme", client=_store())
    assert [(p.operation, p.key) for p in dry.queued] == \
        [(p.operation, p.key) for p in real.queued]
    assert (dry.created, dry.changed) == (real.created, real.changed)
    assert dry.created == len(dry.queued) > 0
    with app_context.db.session() as session:
        assert _keys(session) == {p.key for p in real.queued}


def test_initial_load_creates_items_then_opening_quantities_at_magentos_cost(app_context) -> None:
    """sync --initial (magento_to_quickbooks): item adds with PurchaseCost, then one
    InventoryAdjustmentAdd with the source quantities; a rerun queues
    nothing new; other stock modes refuse with the setting to change."""
    import pytest

    from magento_client.documents import Product, SourceItem
    from qbwc_service.sync.exceptions import SyncError
    from qbwc_service.sync.runner import INITIAL

    app_context.settings = replace(app_context.settings, extra={"companies": {"acme": {
        "mapping": {"inventory_direction": "magento_to_quickbooks"}}}})
    with app_context.db.session() as session:
        add_company(session)
    products = [Product.from_json({"sku": sku, "name": sku, "type_id": "simple", "price": 9,
                                   "updated_at": "2024-03-01 12:00:00",
                                   "custom_attributes": [{"attribute_code": "cost",
                                                          "value": cost}]})
                for sku, cost in (("MUG", "2.50"), ("CUP", None))]
    stock = [SourceItem("MUG", "default", D(10), 1), SourceItem("CUP", "default", D(4), 1),
             SourceItem("GONE", "default", D(1), 1)]
    client = FakeMagento(products=products, source_items=stock)
    dry = pull_and_enqueue(app_context, "acme", client=client, entities=INITIAL, dry_run=True)
    report = pull_and_enqueue(app_context, "acme", client=client, entities=INITIAL)
    assert [p.key for p in dry.queued] == [p.key for p in report.queued]
    adds = {p.magento_id: p.context.get("PurchaseCost") for p in report.queued
            if p.operation == "ItemInventoryAdd"}
    assert adds == {"MUG": D("2.50"), "CUP": None}
    opening = next(p for p in report.queued if p.operation == "InventoryAdjustmentAdd")
    assert opening.context["InventoryAdjustmentLineAdd"] == [
        {"ItemRef": {"FullName": "MUG"}, "QuantityAdjustment": {"NewQuantity": D(10)}},
        {"ItemRef": {"FullName": "CUP"}, "QuantityAdjustment": {"NewQuantity": D(4)}}]
    assert any("GONE" in line for line in report.skipped)
    from qbwc_service.qbxml.render import validate_request

    assert validate_request("InventoryAdjustmentAdd", opening.context, version="13.0") == []
    again = pull_and_enqueue(app_context, "acme", client=client, entities=INITIAL)
    assert again.queued == []
    app_context.settings = replace(app_context.settings, extra={})
    with pytest.raises(SyncError, match="magento_to_quickbooks"):
        pull_and_enqueue(app_context, "acme", client=client, entities=INITIAL)
