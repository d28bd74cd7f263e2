"""What a bookkeeper reads a request by: customer, amount, currency and document date.

Kept in columns beside the template context so the request log can show, sort and filter
them on large logs, and so they outlive the retention policy emptying the payload.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from qbwc_service.db.models import Request

__all__ = ["set_document_facts"]

_CUSTOMER_ADDS = frozenset({"CustomerAdd", "CustomerMod"})


def _ref_name(payload: dict[str, Any], name: str) -> str | None:
    value = payload.get(name)
    if isinstance(value, dict):
        value = value.get("FullName")
    return str(value)[:255] if value not in (None, "") else None


def _decimal(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def set_document_facts(
    request: Request, *, amount: Decimal | None = None, document_date: date | None = None,
    currency: str | None = None,
) -> None:
    """Fill the facts from what the planner knew, else from the template context."""
    payload = request.payload or {}
    customer = _ref_name(payload, "CustomerRef")
    if customer is None and request.operation in _CUSTOMER_ADDS:
        customer = _ref_name(payload, "Name")
    request.customer_name = customer
    request.amount = _decimal(amount) if amount is not None else _decimal(payload.get("TotalAmount"))
    request.currency = currency or _ref_name(payload, "CurrencyRef")
    request.document_date = document_date or _date(payload.get("TxnDate"))
