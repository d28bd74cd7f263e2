"""Units Magento and QuickBooks have taken off the shelf for the same documents.

QuickBooks takes a unit out of stock when our invoice is posted and puts it back when
our credit memo is (less what :mod:`.posting.stock` writes off); Magento takes it off a
source when the order ships, and puts it back when a credit memo returns it to stock.
Until both have seen a document they disagree, and a push of QuickBooks' quantity
must correct by the difference, per SKU::

    pushed = QuickBooks quantity - (units Magento deducted - units QuickBooks deducted)

Only documents QuickBooks had posted when it reported the quantity count on its side
(a held or failed invoice has deducted nothing); the units are counted the way the
posting rules post them (configurable variants on the child SKU, bundle parts on their
own SKUs, virtual products never).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from magento_client.documents import CreditMemo, Invoice, Order
from qbwc_service.sync.plan import PlanContext
from qbwc_service.sync.posting.lines import product_lines
from qbwc_service.sync.posting.stock import returned_to_stock

__all__ = ["magento_deducted", "not_yet_deducted", "quickbooks_deducted"]

_ZERO = Decimal(0)


def _add(totals: dict[str, Decimal], sku: str, quantity: Decimal) -> None:
    totals[sku] = totals.get(sku, _ZERO) + quantity


def _stock_rows(order: Order) -> Iterable[tuple[str, int, Decimal]]:
    """(SKU, order item id, units shipped) of each row whose shipment moves a source."""
    for row in order.all_items():
        if row.is_virtual or row.product_type in ("virtual", "downloadable", "bundle",
                                                  "grouped", "giftcard"):
            continue
        if row.parent_product_type == "configurable":
            continue  # the configurable parent row carries the variant's SKU and shipments
        yield row.sku, row.item_id, row.qty_shipped


def magento_deducted(orders: Iterable[Order], memos: Iterable[CreditMemo]) -> dict[str, Decimal]:
    """Per SKU: units shipped, less shipped units a credit memo returned to stock."""
    returned: dict[tuple[int, int], Decimal] = {}
    for memo in memos:
        back = returned_to_stock(memo)
        for row in memo.items:
            if row.order_item_id in back:
                key = (memo.order_id, row.order_item_id)
                returned[key] = returned.get(key, _ZERO) + row.qty
    totals: dict[str, Decimal] = {}
    for order in orders:
        for sku, item_id, shipped in _stock_rows(order):
            units_back = returned.get((order.entity_id, item_id), _ZERO)
            _add(totals, sku, shipped - min(units_back, shipped))
    return totals


def quickbooks_deducted(orders: dict[int, Order], invoices: Iterable[Invoice],
                        memos: Iterable[CreditMemo], posted: set[str],
                        ctx: PlanContext) -> dict[str, Decimal]:
    """Per SKU: units of posted invoices, less units posted credit memos returned."""
    totals: dict[str, Decimal] = {}
    for invoice in invoices:
        order = orders.get(invoice.order_id)
        if order is None or f"invoice:{invoice.entity_id}" not in posted:
            continue
        for line in product_lines(invoice.items, order, ctx, f"invoice {invoice.increment_id}"):
            if line.stocked:
                _add(totals, line.sku, line.quantity)
    for memo in memos:
        order = orders.get(memo.order_id)
        if order is None or f"creditmemo:{memo.entity_id}" not in posted:
            continue
        written_off = f"write-off:{memo.entity_id}" in posted
        back = returned_to_stock(memo) if ctx.config.restock == "magento" else set()
        for line in product_lines(memo.items, order, ctx, f"credit memo {memo.increment_id}"):
            if not line.stocked:
                continue
            kept = ctx.config.restock == "always" or bool(back.intersection(line.order_item_ids))
            if kept or not written_off:
                _add(totals, line.sku, -line.quantity)
    return totals


def not_yet_deducted(orders: Iterable[Order], invoices: Iterable[Invoice],
                     memos: Iterable[CreditMemo], posted: set[str],
                     ctx: PlanContext) -> dict[str, Decimal]:
    """Per SKU: units Magento took off its sources that QuickBooks has not (negative when
    QuickBooks deducted units Magento still holds, e.g. invoiced but not shipped)."""
    by_id = {order.entity_id: order for order in orders}
    memo_list = list(memos)
    magento = magento_deducted(by_id.values(), memo_list)
    quickbooks = quickbooks_deducted(by_id, invoices, memo_list, posted, ctx)
    return {sku: magento.get(sku, _ZERO) - quickbooks.get(sku, _ZERO)
            for sku in sorted(set(magento) | set(quickbooks))
            if magento.get(sku, _ZERO) != quickbooks.get(sku, _ZERO)}
