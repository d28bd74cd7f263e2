"""Refunds: money a Magento credit memo returned (``ARRefundCreditCardAdd``, ``CheckAdd``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from qbwc_service.db.records import RequestLike
from qbwc_service.handlers._common import record_posted_amount

__all__ = ["OPERATIONS", "RefundHandler"]

OPERATIONS = ("ARRefundCreditCardAdd", "CheckAdd")


class RefundHandler:
    """Records the amount QuickBooks refunded on the credit memo's refund mapping."""

    operations = OPERATIONS

    def handle_response(self, session: Session, request: RequestLike, response: Any) -> None:
        record_posted_amount(session, request, response)
