"""What the queue asks of the handlers, which the composition root hands in.

The queue records how QuickBooks settled each request, then gives the parsed answer to
whichever handler owns the request's operation. It never imports the handlers: the
binding (``app.py``), the sandbox and the tests pass a ``HandlerRegistry`` to
``apply_response``; ``qbwc_service.handlers.Registry`` is the one the product uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy.orm import Session

from qbwc_service.db.models import Request
from qbwc_service.db.records import RequestLike

__all__ = ["HandlerRegistry", "ResponseHandler"]


class ResponseHandler(Protocol):
    def handle_response(self, session: Session, request: RequestLike, response: Any
                        ) -> Iterable[tuple[Request, str, str]] | None:
        """Apply one parsed QuickBooks response (succeeded or failed) for ``request``;
        optionally name requests the answer made pointless or impossible, as
        ``(request, "canceled" | "failed", reason)``, for the queue to settle through its
        lifecycle (handlers never change a status themselves)."""


class HandlerRegistry(Protocol):
    def handler_for(self, operation: str) -> ResponseHandler | None:
        """The handler of ``operation`` (e.g. ``"InvoiceAdd"``), or None when nobody owns it."""
