"""Adobe's sample order and invoice (bundle, configurable, downloadable) as an extra oracle."""

from __future__ import annotations

import json
from decimal import Decimal

from magento_client.documents import Invoice, Order
from qbwc_service.sync.plan import PlanContext
from qbwc_service.sync.posting import plan_invoice, sum_lines
from tests.conftest import reference_path


def test_sample_invoice_plans_to_its_grand_total_without_double_counting() -> None:
    """165.00 = 160 of lines + 5 shipping; bundle children posted, parent and config child not."""
    samples = reference_path("magento", "samples")
    order = Order.from_json(json.loads(
        (samples / "order_adobe_tutorial_bundle_configurable_downloadable.json").read_text()))
    invoice = Invoice.from_json(json.loads((samples / "invoice_adobe_tutorial.json").read_text()))
    plan = plan_invoice(invoice, order, PlanContext())
    main = next(p for p in plan if p.operation == "InvoiceAdd")
    lines = main.context["InvoiceLineAdd"]
    assert main.hold_reason is None
    assert sum_lines(lines) == Decimal("165.00")
    skus = [line["ItemRef"]["FullName"] for line in lines]
    assert skus.count("MH01-S-Gray") == 1
    assert "Shipping" in skus
    assert not any(sku.startswith("24-WG080-24-WG084") for sku in skus)
    operations = {p.magento_id: p.operation for p in plan if p.entity_type == "item"}
    assert operations["240-LV08"] == "ItemServiceAdd"
