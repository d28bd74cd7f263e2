"""Sites from MSI shipments: each line moves stock at the site of the source that shipped it."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from magento_client.documents import Shipment
from qbwc_service.sync.config import parse_mapping_config
from qbwc_service.sync.enqueue import to_payload
from qbwc_service.sync.plan import CompanyFacts, PlanContext, PlannedRequest
from qbwc_service.sync.posting import plan_credit_memo, plan_invoice
from qbwc_service.sync.stock_position import not_yet_deducted

from .factories import Line, OrderBuilder

SITES = {"default": "Main Warehouse", "east": "East Warehouse"}


def _ctx(shipments: list[Shipment] = (), *, multi_site: bool | None = True,
         **mapping: Any) -> PlanContext:
    context = PlanContext(config=parse_mapping_config({"sites": SITES, **mapping}),
                          facts=CompanyFacts(multi_site_enabled=multi_site))
    for shipment in shipments:
        context.shipments.setdefault(shipment.order_id, []).append(shipment)
    return context


def _shipment(entity_id: int, source: str, rows: dict[int, D], order_id: int = 1) -> Shipment:
    return Shipment.from_json({
        "entity_id": entity_id, "increment_id": f"00000000{entity_id}", "order_id": order_id,
        "items": [{"order_item_id": item, "sku": "x", "qty": qty} for item, qty in rows.items()],
        "tracks": [], "comments": [], "extension_attributes": {"source_code": source}})


def _order() -> OrderBuilder:
    """Row 1 MUG (2 units), row 2 CUP (1 unit), row 3 a virtual warranty."""
    return (OrderBuilder().add(Line("MUG", D(5), qty=D(2), shipped=D(2)))
            .add(Line("CUP", D(3), shipped=D(1)))
            .add(Line("WARRANTY", D(4), kind="virtual")))


def _sites(plan: list[PlannedRequest], operation: str) -> dict[str, str | None]:
    main = next(p for p in plan if p.operation == operation)
    tag = next(key for key in main.context if key.endswith("LineAdd"))
    return {line["ItemRef"]["FullName"]: (line.get("InventorySiteRef") or {}).get("FullName")
            for line in main.context[tag] if "Quantity" in line}


def test_each_invoice_line_takes_the_site_of_the_source_that_shipped_it() -> None:
    """Rows shipped from two sources post at two sites; a virtual row at none."""
    builder = _order()
    ctx = _ctx([_shipment(1, "east", {1: D(2)}), _shipment(2, "default", {2: D(1)})])
    plan = plan_invoice(builder.invoice(), builder.order(), ctx)
    assert _sites(plan, "InvoiceAdd") == {"MUG": "East Warehouse", "CUP": "Main Warehouse",
                                          "WARRANTY": None}


def test_an_unshipped_order_takes_the_sales_source_site() -> None:
    """Before any shipment the configured sales source decides, per the README."""
    builder = _order()
    plan = plan_invoice(builder.invoice(), builder.order(), _ctx(sales_source="east"))
    assert _sites(plan, "InvoiceAdd")["MUG"] == "East Warehouse"
    plan = plan_invoice(builder.invoice(), builder.order(), _ctx())
    assert _sites(plan, "InvoiceAdd") == {"MUG": "Main Warehouse", "CUP": "Main Warehouse",
                                          "WARRANTY": None}


def test_a_company_file_without_sites_gets_no_site() -> None:
    """Multi-site reported off: no InventorySiteRef on any line, shipments or not."""
    builder = _order()
    ctx = _ctx([_shipment(1, "east", {1: D(2)})], multi_site=False)
    plan = plan_invoice(builder.invoice(), builder.order(), ctx)
    assert set(_sites(plan, "InvoiceAdd").values()) == {None}


def test_credit_memo_returns_and_writes_off_at_the_shipping_site() -> None:
    """A refunded line goes back to the site it shipped from, and the units Magento kept
    off the shelf are written off there: one adjustment per site, each with its own key
    and memo naming the site."""
    builder = _order()
    ctx = _ctx([_shipment(1, "east", {1: D(2)}), _shipment(2, "default", {2: D(1)})],
               restock="never")
    plan = plan_credit_memo(builder.credit_memo(), builder.order(), ctx)
    assert _sites(plan, "CreditMemoAdd") == {"MUG": "East Warehouse", "CUP": "Main Warehouse",
                                             "WARRANTY": None}
    write_offs = {p.key: p for p in plan if p.operation == "InventoryAdjustmentAdd"}
    assert sorted(write_offs) == ["write-off:1", "write-off:1@East Warehouse"]
    east = write_offs["write-off:1@East Warehouse"].context
    assert east["InventorySiteRef"] == {"FullName": "East Warehouse"}
    assert [line["ItemRef"]["FullName"] for line in east["InventoryAdjustmentLineAdd"]] == ["MUG"]
    main = write_offs["write-off:1"].context
    assert main["InventorySiteRef"] == {"FullName": "Main Warehouse"}
    assert "East Warehouse" in east["Memo"] and "Main Warehouse" in main["Memo"]


def test_units_not_yet_deducted_follow_each_side_per_source() -> None:
    """The invoice was posted before shipment (at the main site); Magento then shipped the
    mugs from the eastern source: the east owes two units, the default source holds two
    QuickBooks already took off, and the cup shipped and posted at main nets to zero."""
    builder = _order()
    order, invoice = builder.order(), builder.invoice()
    posted_before_shipment = plan_invoice(invoice, order, _ctx())
    invoice_add = next(p for p in posted_before_shipment if p.operation == "InvoiceAdd")
    posted = {"invoice:1": to_payload(invoice_add.context)}
    ctx = _ctx([_shipment(1, "east", {1: D(2)}), _shipment(2, "default", {2: D(1)})])
    pending = not_yet_deducted([order], [invoice], [], posted, ctx)
    assert pending == {("MUG", "east"): D(2), ("MUG", "default"): D(-2)}
    # Recomputed from today's shipments instead, QuickBooks' side would look settled.
    assert not_yet_deducted([order], [invoice], [], set(posted), ctx) == {}
