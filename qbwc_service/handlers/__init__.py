"""Handlers: one module per QuickBooks object family, registered explicitly.

A handler builds requests from a sync plan and applies QuickBooks' answer to our
state (identity mappings, edit sequences, site quantities). The queue never imports
this package: the composition root hands it a ``Registry``, whose
``handler_for(request.operation)`` it calls after recording the outcome of a request.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy.orm import Session

from qbwc_service.db.models import Request
from qbwc_service.db.records import RequestLike

__all__ = ["FAMILY_MODULES", "HANDLERS", "Handler", "Registry", "handler_for", "register_all"]


class Handler(Protocol):
    def handle_response(self, session: Session, request: RequestLike, response: Any
                        ) -> Iterable[tuple[Request, str, str]] | None:
        """Apply one parsed QuickBooks response (succeeded or failed) for ``request``;
        return the requests the queue should settle (``queue.registry``), if any."""


# operation name (e.g. "InvoiceAdd") -> handler; filled by the handler modules' registration.
HANDLERS: dict[str, Handler] = {}


# One module per QuickBooks object family; each exposes handler classes with ``operations``.
FAMILY_MODULES: dict[str, str] = {
    # First: it owns ItemSitesQuery and hands quantities not asked for a run to inventory.
    "reconciliation": "ReadBackHandler",
    "customer": "CustomerHandler",
    "item": "ItemHandler",
    "invoice": "InvoiceHandler",
    "sales_receipt": "SalesReceiptHandler",
    "credit_memo": "CreditMemoHandler",
    "payment": "PaymentHandler",
    "refund": "RefundHandler",
    "rounding": "RoundingHandler",
    "inventory": "InventoryHandler",
}


def register_all() -> dict[str, Handler]:
    """Fill ``HANDLERS`` from the family modules (idempotent)."""
    import importlib

    for module_name, class_name in FAMILY_MODULES.items():
        module = importlib.import_module(f"{__name__}.{module_name}")
        handler = getattr(module, class_name)()
        for operation in handler.operations:
            HANDLERS.setdefault(operation, handler)
    return HANDLERS


_registered = False


def handler_for(operation: str) -> Handler | None:
    """The handler of ``operation``, None for one no family handles (queries, look-ups).
    The families register once; a miss does not register them again."""
    global _registered
    if not _registered:
        register_all()
        _registered = True
    return HANDLERS.get(operation)


class Registry:
    """The handlers by operation, as the queue asks for them (``queue.HandlerRegistry``)."""

    def handler_for(self, operation: str) -> Handler | None:
        return handler_for(operation)
