"""Invoices: a Magento invoice booked on account (``InvoiceAdd``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from qbwc_service.db.models import Request
from qbwc_service.handlers._common import fill_awaited_ids, record_posted_amount
from qbwc_service.sync.plan import PlannedRequest

__all__ = ["OPERATIONS", "InvoiceHandler"]

OPERATIONS = ("InvoiceAdd",)


class InvoiceHandler:
    """Records QuickBooks' total on the mapping and hands the TxnID to waiting requests."""

    operations = OPERATIONS

    def build_requests(self, plan: Iterable[PlannedRequest]) -> list[PlannedRequest]:
        return [item for item in plan if item.operation in OPERATIONS]

    def handle_response(self, session: Session, request: Request, response: Any) -> None:
        record_posted_amount(session, request, response)
        fill_awaited_ids(session, request, response)
