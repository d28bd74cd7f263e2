"""Payments: ``ReceivePaymentAdd`` for a paid Magento invoice, or applying a credit memo."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from qbwc_service.db.records import RequestLike
from qbwc_service.handlers._common import AWAITING_PREFIX, record_posted_amount

__all__ = ["OPERATIONS", "PaymentHandler", "awaiting_ids"]

OPERATIONS = ("ReceivePaymentAdd",)


def awaiting_ids(payload: Any) -> list[str]:
    """Stand-ins still waiting for a TxnID (a payment must never be sent with one left)."""
    if isinstance(payload, dict):
        return [token for value in payload.values() for token in awaiting_ids(value)]
    if isinstance(payload, list):
        return [token for value in payload for token in awaiting_ids(value)]
    return [payload] if isinstance(payload, str) and payload.startswith(AWAITING_PREFIX) else []


class PaymentHandler:
    """Records the amount QuickBooks took as paid (or applied) on the mapping."""

    operations = OPERATIONS

    def handle_response(self, session: Session, request: RequestLike, response: Any) -> None:
        record_posted_amount(session, request, response)
