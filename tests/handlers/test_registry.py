"""The handler registry names one handler per QuickBooks operation the sync plans."""

from __future__ import annotations

from qbwc_service.handlers import HANDLERS, handler_for, register_all


def test_every_planned_operation_has_a_handler() -> None:
    """Each family module registers its operations; unknown operations have none."""
    register_all()
    for operation in ("CustomerAdd", "ItemInventoryAdd", "ItemServiceAdd", "ItemNonInventoryAdd",
                      "ItemOtherChargeAdd", "ItemDiscountAdd", "InvoiceAdd", "SalesReceiptAdd",
                      "CreditMemoAdd", "ReceivePaymentAdd", "ItemSitesQuery",
                      "ItemInventoryQuery"):
        assert operation in HANDLERS, operation
    assert type(handler_for("SalesReceiptAdd")).__name__ == "SalesReceiptHandler"
    assert handler_for("NoSuchAdd") is None
