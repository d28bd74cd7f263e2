"""Read-back answers of a reconciliation run: every page stored as lines of the run.

The run's requests carry the key ``reconcile:<run>:<query>``. Each answered page adds one
line per transaction, account or item site (an iterator that starts over returns the
same records again: they update their line, never add a second one). When the last
read-back request of a run is settled the run moves on (``reconcile.lifecycle.settle_run``). The comparison itself
happens in ``qbwc_service.reconcile``, outside the Web Connector's call.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import RequestStatus
from qbwc_service.db.reconciliation import (
    LineKind,
    ReconciliationLine,
    ReconciliationRun,
)
from qbwc_service.db.records import RequestLike
from qbwc_service.handlers.inventory import CHUNK, InventoryHandler
from qbwc_service.reconcile.lifecycle import run_id_of_key, settle_run

__all__ = ["READBACK_OPERATIONS", "ReadBackHandler", "store_answer"]

READBACK_OPERATIONS = (
    "InvoiceQuery", "SalesReceiptQuery", "CreditMemoQuery", "ReceivePaymentQuery",
    "ARRefundCreditCardQuery", "CheckQuery", "TxnDeletedQuery", "AccountQuery",
    "ItemSitesQuery", "ItemInventoryQuery",
)
# Fields of a transaction kept on its line for the comparison and the drill-down.
_TXN_FIELDS = ("Memo", "CustomerRef/FullName", "Subtotal", "SalesTaxTotal", "TimeCreated",
               "CreditRemaining", "BalanceRemaining", "IsPaid", "UnusedPayment",
               "UnusedCredits", "DepositToAccountRef/FullName", "TotalAmount", "Amount")
_OPEN = (RequestStatus.QUEUED.value, RequestStatus.SENT.value, RequestStatus.HELD.value)


def _money(value: Any) -> Decimal | None:
    text = value[0] if isinstance(value, list) else value
    try:
        return Decimal(str(text)).quantize(Decimal("0.01")) if text not in (None, "") else None
    except InvalidOperation:
        return None


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        return str(value[0]) if value else None
    return None if value is None else str(value)


def _line_for(ret: Any) -> dict[str, Any] | None:
    """The line values of one Ret, or None for a Ret the reconciliation does not use."""
    fields = ret.fields
    if ret.type == "AccountRet":
        return {"kind": LineKind.ACCOUNT.value, "qb_type": _first(fields.get("AccountType")),
                "qb_id": ret.list_id, "account": ret.full_name or ret.name,
                "quickbooks_amount": _money(fields.get("Balance")),
                "data": {"total_balance": _first(fields.get("TotalBalance"))}}
    if ret.type in ("ItemSitesRet", "ItemInventoryRet"):
        item = ret.item_name if ret.type == "ItemSitesRet" else (ret.full_name or ret.name)
        return {"kind": LineKind.ITEM_SITE.value, "qb_type": ret.type, "qb_id": ret.list_id,
                "qb_ref": item, "account": ret.site_name or "",
                "data": {"quantity_on_hand": None if ret.quantity_on_hand is None
                         else str(ret.quantity_on_hand)}}
    if ret.type == "TxnDeletedRet":
        deleted_type = _first(fields.get("TxnDelType")) or ""
        return {"kind": LineKind.QUICKBOOKS_TXN.value, "qb_type": f"Deleted{deleted_type}",
                "qb_id": _first(fields.get("TxnID")), "qb_ref": _first(fields.get("RefNumber")),
                "data": {"deleted": True, "time_deleted": _first(fields.get("TimeDeleted"))}}
    if not ret.txn_id:
        return None
    data = {name: _first(fields.get(name)) for name in _TXN_FIELDS if name in fields}
    data["TimeModified"] = ret.time_modified
    return {"kind": LineKind.QUICKBOOKS_TXN.value, "qb_type": ret.type[:-3],
            "qb_id": ret.txn_id, "qb_ref": ret.ref_number, "day": ret.txn_date,
            "quickbooks_amount": _money(ret.total), "data": data}


def store_answer(session: Session, run_id: int, rets: Any) -> int:
    """Upsert one line per record of a page; returns how many records it held.

    A chunk at a time (``inventory.CHUNK``): a streamed page of tens of thousands of
    records never sits in memory whole.
    """
    lines = (row for row in (_line_for(ret) for ret in rets or ()) if row and row.get("qb_id"))
    stored = 0
    while rows := list(islice(lines, CHUNK)):
        _store_lines(session, run_id, rows)
        stored += len(rows)
    return stored


def _store_lines(session: Session, run_id: int, rows: list[dict[str, Any]]) -> None:
    existing = {(line.kind, line.qb_id): line for line in session.scalars(
        select(ReconciliationLine).where(
            ReconciliationLine.run_id == run_id,
            ReconciliationLine.qb_id.in_([row["qb_id"] for row in rows])))}
    for row in rows:
        if isinstance(row.get("day"), str):
            try:
                row["day"] = date.fromisoformat(row["day"])
            except ValueError:
                row["day"] = None
        line = existing.get((row["kind"], row["qb_id"]))
        if line is None:
            line = ReconciliationLine(run_id=run_id)
            session.add(line)
            existing[(row["kind"], row["qb_id"])] = line
        for name, value in row.items():
            setattr(line, name, value)
    session.flush()


class ReadBackHandler:
    """Stores the pages of a run's queries; other quantity queries go to inventory."""

    operations = READBACK_OPERATIONS

    def __init__(self) -> None:
        self._inventory = InventoryHandler()

    def handle_response(self, session: Session, request: RequestLike, response: Any) -> None:
        run_id = run_id_of_key(request.idempotency_key)
        if request.operation in self._inventory.operations:
            # Fresh quantities are fresh quantities, whoever asked for them.
            self._inventory.handle_response(session, request, response)
        if run_id is None:
            return
        run = session.get(ReconciliationRun, run_id)
        if run is None:
            return
        if response.ok:
            store_answer(session, run_id, response.rets)
        if request.status not in _OPEN:  # else the next page is still to come
            settle_run(session, run)
