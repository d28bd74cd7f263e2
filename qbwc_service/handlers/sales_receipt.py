"""Sales receipts: a Magento invoice paid at checkout (``SalesReceiptAdd``)."""

from __future__ import annotations

from qbwc_service.handlers._common import PostedTransactionHandler

__all__ = ["OPERATIONS", "SalesReceiptHandler"]

OPERATIONS = ("SalesReceiptAdd",)


class SalesReceiptHandler(PostedTransactionHandler):
    operations = OPERATIONS
