"""Units Magento and QuickBooks have taken off each shelf for the same documents.

QuickBooks takes a unit out of stock when our invoice is posted, at the site the line
names, and puts it back when our credit memo is (less what :mod:`.posting.stock` writes
off); Magento takes it off the MSI source that ships it, and puts it back on that source
when a credit memo returns it to stock. Until both have seen a document they disagree,
and a push of QuickBooks' quantity at a site must correct by the difference, per SKU and
source::

    pushed = QuickBooks quantity at the site
             - (units Magento deducted at its source - units QuickBooks deducted at the site)

An invoice posted before its order shipped took the units from the sales source's site;
the shipment may then take them from another source. Each side is therefore counted where
it really moved stock: Magento's from the shipments' ``source_code``, QuickBooks' from the
sites the posted requests carried. Only documents QuickBooks had posted when it reported
the quantity count on its side (a held or failed invoice has deducted nothing); the units
are counted the way the posting rules post them (configurable variants on the child SKU,
bundle parts on their own SKUs, virtual products never). A company file without sites
has one shelf: everything counts on the sales source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from magento_client.documents import CreditMemo, Invoice, Order, OrderItem
from qbwc_service.sync.plan import PlanContext
from qbwc_service.sync.posting.lines import LINE_TAGS, ProductLine, product_lines
from qbwc_service.sync.posting.stock import returned_to_stock, write_off_key

__all__ = ["Shelf", "magento_deducted", "not_yet_deducted", "quickbooks_deducted"]

_ZERO = Decimal(0)
Shelf = tuple[str, str]  # (SKU, Magento source_code)
# What QuickBooks posted: request key -> the payload sent (None when only the key is known).
Posted = Mapping[str, Mapping[str, Any] | None] | set[str]


def _add(totals: dict[Shelf, Decimal], shelf: Shelf, quantity: Decimal) -> None:
    if quantity:
        totals[shelf] = totals.get(shelf, _ZERO) + quantity


def _stock_rows(order: Order) -> Iterable[OrderItem]:
    """Order rows whose shipment moves a source."""
    for row in order.all_items():
        if row.is_virtual or row.product_type in ("virtual", "downloadable", "bundle",
                                                  "grouped", "giftcard"):
            continue
        if row.parent_product_type == "configurable":
            continue  # the configurable parent row carries the variant's SKU and shipments
        yield row


def _shipped(row: OrderItem, order: Order, ctx: PlanContext) -> dict[str, Decimal]:
    """Units of ``row`` shipped, per source: as the shipments list them, the rest (rows
    a shipment lists through their parent, or an order shipped before MSI) from the
    source that shipped the parent row, else the sales source."""
    if not ctx.uses_sites:
        return {ctx.config.sales_source: row.qty_shipped}
    by_source: dict[str, Decimal] = {}
    for shipment in ctx.shipments.get(order.entity_id, ()):
        for item in shipment.items:
            if item.order_item_id == row.item_id and shipment.source_code:
                by_source[shipment.source_code] = by_source.get(shipment.source_code,
                                                                _ZERO) + item.qty
    rest = row.qty_shipped - sum(by_source.values(), _ZERO)
    if rest > 0:
        ids = [row.item_id] + ([row.parent_item_id] if row.parent_item_id else [])
        source = ctx.line_source(order.entity_id, ids)
        by_source[source] = by_source.get(source, _ZERO) + rest
    return by_source


def magento_deducted(orders: Iterable[Order], memos: Iterable[CreditMemo],
                     ctx: PlanContext) -> dict[Shelf, Decimal]:
    """Per SKU and source: units shipped, less shipped units a credit memo returned to
    stock (to the source that shipped them)."""
    returned: dict[tuple[int, int], Decimal] = {}
    for memo in memos:
        back = returned_to_stock(memo)
        for memo_row in memo.items:
            if memo_row.order_item_id in back:
                key = (memo.order_id, memo_row.order_item_id)
                returned[key] = returned.get(key, _ZERO) + memo_row.qty
    totals: dict[Shelf, Decimal] = {}
    for order in orders:
        for row in _stock_rows(order):
            units_back = returned.get((order.entity_id, row.item_id), _ZERO)
            for source, shipped in _shipped(row, order, ctx).items():
                restocked = min(units_back, shipped)
                units_back -= restocked
                _add(totals, (row.sku, source), shipped - restocked)
    return totals


def _posted_payload(posted: Posted, key: str) -> Mapping[str, Any] | None:
    return posted.get(key) if isinstance(posted, Mapping) else None


def _line_shelves(products: list[ProductLine], payload: Mapping[str, Any] | None,
                  order_id: int, ctx: PlanContext) -> list[Shelf]:
    """The shelf each product line moved stock on: the site the posted request named
    (product lines come first, in order), else the site the rules would name now."""
    if not ctx.uses_sites:
        return [(product.sku, ctx.config.sales_source) for product in products]
    sources_by_site = ctx.config.sources_by_site
    lines: list[Any] = next((list(payload[tag]) for tag in LINE_TAGS.values()
                             if payload and payload.get(tag)), [])
    shelves: list[Shelf] = []
    for index, product in enumerate(products):
        if index < len(lines) and isinstance(lines[index], Mapping):
            site = (lines[index].get("InventorySiteRef") or {}).get("FullName")
        else:
            site = ctx.line_site(order_id, product.order_item_ids)
        shelves.append((product.sku, sources_by_site.get(site or "", ctx.config.sales_source)))
    return shelves


def quickbooks_deducted(orders: dict[int, Order], invoices: Iterable[Invoice],
                        memos: Iterable[CreditMemo], posted: Posted,
                        ctx: PlanContext) -> dict[Shelf, Decimal]:
    """Per SKU and source: units of posted invoices, less units posted credit memos
    returned, at the sites they were posted to."""
    totals: dict[Shelf, Decimal] = {}
    for invoice in invoices:
        order = orders.get(invoice.order_id)
        key = f"invoice:{invoice.entity_id}"
        if order is None or key not in posted:
            continue
        products = product_lines(invoice.items, order, ctx, f"invoice {invoice.increment_id}")
        for line, shelf in zip(products, _line_shelves(
                products, _posted_payload(posted, key), order.entity_id, ctx), strict=True):
            if line.stocked:
                _add(totals, shelf, line.quantity)
    for memo in memos:
        order = orders.get(memo.order_id)
        key = f"creditmemo:{memo.entity_id}"
        if order is None or key not in posted:
            continue
        back = returned_to_stock(memo) if ctx.config.restock == "magento" else set()
        products = product_lines(memo.items, order, ctx, f"credit memo {memo.increment_id}")
        sites_by_source = ctx.config.sites
        for line, shelf in zip(products, _line_shelves(
                products, _posted_payload(posted, key), order.entity_id, ctx), strict=True):
            if not line.stocked:
                continue
            kept = ctx.config.restock == "always" or bool(back.intersection(line.order_item_ids))
            site = sites_by_source.get(shelf[1]) if ctx.uses_sites else None
            written_off = write_off_key(memo.entity_id, site, ctx) in posted
            if kept or not written_off:
                _add(totals, shelf, -line.quantity)
    return totals


def not_yet_deducted(orders: Iterable[Order], invoices: Iterable[Invoice],
                     memos: Iterable[CreditMemo], posted: Posted,
                     ctx: PlanContext) -> dict[Shelf, Decimal]:
    """Per SKU and source: units Magento took off that source that QuickBooks has not
    taken off its site (negative when QuickBooks deducted units Magento still holds
    there, e.g. invoiced but not shipped). ``ctx.shipments`` holds the orders'
    shipments."""
    by_id = {order.entity_id: order for order in orders}
    memo_list = list(memos)
    magento = magento_deducted(by_id.values(), memo_list, ctx)
    quickbooks = quickbooks_deducted(by_id, invoices, memo_list, posted, ctx)
    return {shelf: magento.get(shelf, _ZERO) - quickbooks.get(shelf, _ZERO)
            for shelf in sorted(set(magento) | set(quickbooks))
            if magento.get(shelf, _ZERO) != quickbooks.get(shelf, _ZERO)}
