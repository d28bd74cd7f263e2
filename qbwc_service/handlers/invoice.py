"""Invoices: a Magento invoice booked on account (``InvoiceAdd``)."""

from __future__ import annotations

from qbwc_service.handlers._common import PostedTransactionHandler

__all__ = ["OPERATIONS", "InvoiceHandler"]

OPERATIONS = ("InvoiceAdd",)


class InvoiceHandler(PostedTransactionHandler):
    operations = OPERATIONS
