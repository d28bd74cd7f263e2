"""Posting rules: each Magento document as the QuickBooks transactions a bookkeeper expects.

One module per rule, each a pure function from Magento documents (and the company's
mapping config) to planned QuickBooks requests; the README's "how Magento becomes
QuickBooks" table lists the same rules with the accounts they touch.

=====================  ==========================================================
rule                   module
=====================  ==========================================================
invoice / receipt      :mod:`.sales` — ``InvoiceAdd`` + ``ReceivePaymentAdd``, or
                       ``SalesReceiptAdd`` (per payment method)
credit memo / refund   :mod:`.refunds` — ``CreditMemoAdd``, then ``SetCredit`` on the
                       open invoice, ``ARRefundCreditCardAdd`` or ``CheckAdd``
sales tax              :mod:`.tax` — one sales tax item line per Magento rate
currency rounding      :mod:`.rounding` — ``TransactionQuery`` read-back, then a
                       ``JournalEntryAdd`` moving QuickBooks' line rounding to
                       Magento's base income and tax (foreign documents no rate books
                       exactly)
refunded stock         :mod:`.stock` — ``InventoryAdjustmentAdd`` writing off refunded
                       units Magento did not return to stock
lines and totals       :mod:`.lines` — products (bundle parts as 0.00 stock lines, each
                       at the site of the MSI source that shipped it), shipping,
                       discounts, adjustments, checked against Magento's grand total
                       to the cent
=====================  ==========================================================

Stock Magento moves between its sources outside sales (magento_to_quickbooks mode) is
:mod:`qbwc_service.sync.stock_moves`: ``TransferInventoryAdd`` between sites, the rest
``InventoryAdjustmentAdd``.
"""

from __future__ import annotations

from qbwc_service.sync.posting.common import awaiting_txn_id, base_currency_problem
from qbwc_service.sync.posting.lines import build_lines, product_lines, sum_lines
from qbwc_service.sync.posting.refunds import plan_credit_memo
from qbwc_service.sync.posting.sales import OrderPlan, empty_invoice, plan_invoice, plan_order
from qbwc_service.sync.posting.tax import TaxShare, check_tax_edition, tax_shares

__all__ = [
    "OrderPlan",
    "TaxShare",
    "awaiting_txn_id",
    "base_currency_problem",
    "build_lines",
    "check_tax_edition",
    "empty_invoice",
    "plan_credit_memo",
    "plan_invoice",
    "plan_order",
    "product_lines",
    "sum_lines",
    "tax_shares",
]
