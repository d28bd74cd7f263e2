"""Quantities: what QuickBooks holds of each item at each site beside Magento's stock.

Magento deducts a unit when it ships; QuickBooks when it is invoiced. A unit invoiced
and not yet shipped is still in Magento's source quantity and already gone in QuickBooks,
so QuickBooks should hold Magento's quantity less those units; a unit shipped before its
invoice is posted is the other way round. The units come from the inventory push's own
rule (``sync.stock_position``: per SKU and source, posted documents only, at the sites
their lines named, credit memos netted), so the check and the push never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from qbwc_service.db.reconciliation import LineKind, ReconciliationLine
from qbwc_service.reconcile.compare import Finding, Reason

__all__ = ["StockExpectation", "compare_quantities"]


@dataclass(frozen=True)
class StockExpectation:
    item: str  # QuickBooks item full name
    site: str  # QuickBooks site, "" without multi-location inventory
    sku: str
    source: str  # Magento source code
    magento_quantity: Decimal
    # Units QuickBooks deducted that Magento has not yet (invoiced, not shipped); negative
    # when Magento is ahead (shipped before QuickBooks posted the invoice).
    not_yet_deducted: Decimal

    @property
    def expected(self) -> Decimal:
        return self.magento_quantity - self.not_yet_deducted

    def to_line(self, run_id: int) -> ReconciliationLine:
        return ReconciliationLine(
            run_id=run_id, kind=LineKind.MAGENTO_STOCK.value, qb_ref=self.item,
            account=self.site, magento_ref=self.sku,
            data={"source": self.source, "magento_quantity": str(self.magento_quantity),
                  "not_yet_deducted": str(self.not_yet_deducted)})

    @classmethod
    def from_line(cls, line: ReconciliationLine) -> StockExpectation:
        data = line.data or {}
        return cls(line.qb_ref or "", line.account or "", line.magento_ref or "",
                   str(data.get("source", "")), Decimal(data.get("magento_quantity", "0")),
                   Decimal(data.get("not_yet_deducted", "0")))


def compare_quantities(expectations: Iterable[StockExpectation],
                       item_sites: Iterable[ReconciliationLine], day: date) -> list[Finding]:
    """One ``quantity_differs`` per item and site whose quantities disagree."""
    held = {(line.qb_ref or "", line.account or ""): (line.data or {}).get("quantity_on_hand")
            for line in item_sites}
    if not held:
        return []  # QuickBooks was not asked (or holds no inventory items): nothing to say
    findings = []
    for stock in expectations:
        text = held.get((stock.item, stock.site))
        quantity = Decimal(text) if text not in (None, "") else Decimal(0)
        if quantity == stock.expected:
            continue
        where = f" at {stock.site}" if stock.site else ""
        findings.append(Finding(
            Reason.QUANTITY_DIFFERS, f"{stock.item}{where}: QuickBooks holds {quantity}, "
            f"Magento's source {stock.source} has {stock.magento_quantity} of which "
            f"{stock.not_yet_deducted} invoiced and not yet shipped, so QuickBooks should "
            f"hold {stock.expected}", day, stock.sku, stock.item,
            None, None, stock.site or None))
    return findings
