"""Stock rule for refunds: only what Magento put back on the shelf stays in stock.

A QuickBooks credit memo returns every inventory line to stock at average cost. Magento
returns a refunded unit to stock only when the merchant said so (the refund's
``return_to_stock_items``, magento-rest.md §9; Magento's own default is not to). Core
Magento does not return that choice on ``GET /V1/creditmemo``; a credit memo that
carries it (``return_to_stock_items``, or a row's ``back_to_stock`` from an extension
attribute module) is followed, otherwise ``restock`` decides (``magento`` then reads
as "nothing returned", Magento's default). The
refunded units Magento did not return are written off at once with an
``InventoryAdjustmentAdd`` to the configured write-off account, so QuickBooks' quantity
and value follow Magento's shelf.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from magento_client.documents import CreditMemo
from qbwc_service.sync.plan import PlanContext, PlannedRequest, Priority, document_hash
from qbwc_service.sync.posting.lines import ProductLine

__all__ = ["plan_write_off", "returned_to_stock", "write_off_key"]


def returned_to_stock(memo: CreditMemo) -> set[int]:
    """Order item ids Magento returned to stock with this credit memo."""
    extension = memo.raw.get("extension_attributes") or {}
    ids = extension.get("return_to_stock_items") or memo.raw.get("return_to_stock_items") or []
    returned = {int(item_id) for item_id in ids if str(item_id).isdigit()}
    for row in memo.items:
        flag = (row.raw.get("extension_attributes") or {}).get("back_to_stock",
                                                                 row.raw.get("back_to_stock"))
        if str(flag).lower() in ("1", "true"):
            returned.add(row.order_item_id)
    return returned


def write_off_key(memo_id: int, site: str | None, ctx: PlanContext) -> str:
    """The write-off's request key: one per site the refunded rows shipped from (the
    sales site's, or the only one of a company file without sites, keeps the plain key)."""
    if site is None or site == ctx.sales_site:
        return f"write-off:{memo_id}"
    return f"write-off:{memo_id}@{site}"


def plan_write_off(memo: CreditMemo, products: Iterable[ProductLine],
                   item_names: dict[str, str], ctx: PlanContext,
                   main: PlannedRequest) -> list[PlannedRequest]:
    """``InventoryAdjustmentAdd`` taking out the refunded units Magento kept off the shelf,
    one per site: the credit memo returned each line to the site it shipped from, and an
    adjustment names one site."""
    mode = ctx.config.restock
    if mode == "always":
        return []
    returned = returned_to_stock(memo) if mode == "magento" else set()
    by_site: dict[str | None, list[dict[str, Any]]] = {}
    for product in products:
        if not product.stocked or not product.quantity:
            continue
        if returned.intersection(product.order_item_ids):
            continue
        site = ctx.line_site(memo.order_id, product.order_item_ids)
        by_site.setdefault(site, []).append({
            "ItemRef": {"FullName": item_names[product.sku]},
            "QuantityAdjustment": {"QuantityDifference": -product.quantity}})
    return [_write_off(memo, site, lines, ctx, main) for site, lines in by_site.items()]


def _write_off(memo: CreditMemo, site: str | None, lines: list[dict[str, Any]],
               ctx: PlanContext, main: PlannedRequest) -> PlannedRequest:
    context: dict[str, Any] = {
        "AccountRef": {"FullName": ctx.config.accounts.write_off},
        "TxnDate": main.context["TxnDate"],
        "RefNumber": main.context["RefNumber"],
    }
    # With sites, the site names the write-off (several share the credit memo's RefNumber),
    # so a look-up after a lost answer links each to its own.
    reference = f"{memo.increment_id} {site}" if site else memo.increment_id
    if site:
        context["InventorySiteRef"] = {"FullName": site}
    context["CustomerRef"] = main.context["CustomerRef"]
    context["Memo"] = f"Magento credit memo {reference}: refunded units not returned to stock"
    context["InventoryAdjustmentLineAdd"] = lines
    return PlannedRequest(
        operation="InventoryAdjustmentAdd", key=write_off_key(memo.entity_id, site, ctx),
        context=context, entity_type="write_off", magento_id=str(memo.entity_id),
        magento_ref=reference[:64], document_hash=document_hash(context),
        depends_on_keys=(main.key,), priority=Priority.REFUND, hold_reason=main.hold_reason,
        amount=Decimal("0.00"), txn_date=main.txn_date,
    )
