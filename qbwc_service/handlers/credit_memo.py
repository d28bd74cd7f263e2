"""Credit memos: a Magento refund (``CreditMemoAdd``), applied to its invoice later."""

from __future__ import annotations

from qbwc_service.handlers._common import PostedTransactionHandler

__all__ = ["OPERATIONS", "CreditMemoHandler"]

OPERATIONS = ("CreditMemoAdd",)


class CreditMemoHandler(PostedTransactionHandler):
    operations = OPERATIONS
