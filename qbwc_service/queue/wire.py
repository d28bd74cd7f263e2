"""The qbXML calls the queue makes, and the queue's reading of status codes."""

from __future__ import annotations

from qbwc_service.qbxml import (
    classify,
    explain_hresult,
    parse_response,
    render_message_set,
    render_request,
)

__all__ = [
    "ITERABLE_QUERIES",
    "explain_hresult",
    "parse_response",
    "render_message_set",
    "render_request",
    "status_kind",
]

# Queries that accept iterator="Start" (qbXML ops 14.0 sample data; not Account, Class,
# Terms, InventorySite and the other small lists).
ITERABLE_QUERIES = frozenset({
    "CustomerQuery", "VendorQuery", "EmployeeQuery", "OtherNameQuery", "EntityQuery",
    "ItemQuery", "ItemInventoryQuery", "ItemNonInventoryQuery", "ItemServiceQuery",
    "ItemOtherChargeQuery", "ItemDiscountQuery", "ItemGroupQuery", "ItemInventoryAssemblyQuery",
    "ItemSalesTaxQuery", "ItemSitesQuery", "InvoiceQuery", "SalesReceiptQuery",
    "CreditMemoQuery", "ReceivePaymentQuery", "SalesOrderQuery", "EstimateQuery",
    "InventoryAdjustmentQuery", "TransferInventoryQuery", "TransactionQuery", "BillQuery",
    "CheckQuery", "DepositQuery", "JournalEntryQuery", "PurchaseOrderQuery",
})


def status_kind(code: int | None, message: str | None = None) -> tuple[str, str]:
    """(success|warning|retryable|permanent, plain-language explanation) for a status code.

    ``message`` is QuickBooks' statusMessage: it picks the cause where a code has several.
    """
    if code is None:
        return "permanent", "QuickBooks returned no status for this request."
    info = classify(int(code), message or "")
    return str(info.kind), str(info.explanation)
