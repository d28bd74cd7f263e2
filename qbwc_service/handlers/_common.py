"""What the transaction handlers share: mapping amounts and TxnID hand-over to dependents."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from qbwc_service.db.models import Mapping, quickbooks_facts
from qbwc_service.db.records import RequestLike
from qbwc_service.db.set_index import dependents_of, mapping_of

__all__ = [
    "AWAITING_PREFIX",
    "PostedTransactionHandler",
    "fill_awaited_ids",
    "keep",
    "mapping_for",
    "record_posted_amount",
]

AWAITING_PREFIX = "@txn:"


def mapping_for(session: Session, request: RequestLike) -> Mapping | None:
    """The mapping of the request's Magento entity (``db.set_index``: the message set's,
    read together, when the queue settles one)."""
    if not (request.entity_type and request.magento_id):
        return None
    return mapping_of(session, (request.company_id, request.entity_type, request.magento_id))


def record_posted_amount(session: Session, request: RequestLike, response: Any) -> None:
    """Keep QuickBooks' own total and date on the mapping: reconciliation compares them."""
    if not response.ok or not response.rets:
        return
    mapping = mapping_for(session, request)
    if mapping is None:
        return
    keep(mapping, {**quickbooks_facts(response.rets[0]),
                   "document_hash": request.document_hash or mapping.document_hash})


def keep(mapping: Mapping, values: dict[str, Any]) -> None:
    """Give ``mapping`` those of ``values`` it does not hold yet. The queue has usually
    written them when it linked the mapping; an equal value assigned would still mark the
    row for the flush, which opens the handlers' savepoint only to find nothing to write."""
    for name, value in values.items():
        if getattr(mapping, name) != value:
            setattr(mapping, name, value)


def _replace(value: Any, token: str, txn_id: str) -> tuple[Any, bool]:
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, item in value.items():
            out[key], hit = _replace(item, token, txn_id)
            changed |= hit
        return out, changed
    if isinstance(value, list):
        results = [_replace(item, token, txn_id) for item in value]
        return [item for item, _ in results], any(hit for _, hit in results)
    if value == token:
        return txn_id, True
    return value, False


def fill_awaited_ids(session: Session, request: RequestLike, response: Any) -> int:
    """Give dependents waiting for this request's TxnID (payments, credit applications) the ID."""
    if not response.ok or not request.qb_id:
        return 0
    token = f"{AWAITING_PREFIX}{request.idempotency_key}"
    filled = 0
    for dependent in dependents_of(session, request.id):
        payload, changed = _replace(dependent.payload or {}, token, request.qb_id)
        if changed:
            dependent.payload = payload  # reassigned so the JSON column sees the change
            filled += 1
    return filled


class PostedTransactionHandler:
    """Invoices, sales receipts, credit memos: keep QuickBooks' total on the mapping and
    hand the new TxnID to the requests waiting for it (payments, credit applications)."""

    operations: tuple[str, ...] = ()

    def handle_response(self, session: Session, request: RequestLike, response: Any) -> None:
        record_posted_amount(session, request, response)
        fill_awaited_ids(session, request, response)
