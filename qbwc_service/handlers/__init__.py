"""Handlers: one module per QuickBooks object family, registered explicitly.

A handler builds requests from a sync plan and applies QuickBooks' answer to our
state (identity mappings, edit sequences, site quantities). The queue calls
``handler_for(request.operation)`` after it has recorded the outcome of a request.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session

from qbwc_service.db.models import Request

__all__ = ["HANDLERS", "Handler", "handler_for"]


class Handler(Protocol):
    def handle_response(self, session: Session, request: Request, response: Any) -> None:
        """Apply one parsed QuickBooks response (succeeded or failed) for ``request``."""


# operation name (e.g. "InvoiceAdd") -> handler; filled by the handler modules' registration.
HANDLERS: dict[str, Handler] = {}


def handler_for(operation: str) -> Handler | None:
    return HANDLERS.get(operation)
