"""Currency rounding: QuickBooks' read-back of a foreign document's journal lines turns the
journal entry planned beside it (``sync/posting/rounding.py``) into its lines.

The entry was planned holding, under ``Correction``, what Magento's base figures say each
account should hold after the document (``Targets``: account, the name for Sales Tax
Payable, signed amount with debits positive), the memo and the rounding account. The
read-back (``TransactionQuery``, ``TransactionDetailLevelFilter`` ``All``) lists every
journal line QuickBooks posted for the document's RefNumber, type and date; the lines of
the document's own TxnID (its request's, which the read-back depends on) are summed per
target account in home currency (``AmountInHomeCurrency`` where QuickBooks gives it, else
``Amount``). Per account, what Magento says less what QuickBooks posted is one line; one
line to the rounding account balances them. So the entry is right whatever QuickBooks'
line rounding really is.

Settled, never sent, when there is nothing to correct (canceled, reason given), and failed
when the posted amounts differ from Magento's by more than rounding can (a cent per
posted line): then an item's account is not the one planned, and a bookkeeper decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Request, RequestDependency, RequestStatus
from qbwc_service.db.records import RequestLike
from qbwc_service.handlers._common import record_posted_amount

__all__ = [
    "CORRECTION",
    "OPERATIONS",
    "READBACK_PREFIX",
    "RoundingHandler",
    "correction",
    "readback_key",
]

OPERATIONS = ("TransactionQuery", "JournalEntryAdd")
READBACK_PREFIX = "rounding-readback:"
CORRECTION = "Correction"  # the entry's payload key this handler turns into lines
_CENT = Decimal("0.01")
_OPEN = (RequestStatus.QUEUED.value, RequestStatus.HELD.value)

Posted = Iterable[tuple[str, str, Decimal]]  # (account, name, home amount, debit positive)


def readback_key(document_key: str) -> str:
    """The key of the read-back of the document queued as ``document_key``."""
    return f"{READBACK_PREFIX}{document_key}"


def _text(fields: dict[str, Any], path: str) -> str:
    value = fields.get(path)
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value)


def _amount(fields: dict[str, Any]) -> Decimal:
    try:
        return Decimal(_text(fields, "AmountInHomeCurrency") or _text(fields, "Amount") or 0)
    except InvalidOperation:
        return Decimal(0)


def correction(planned: dict[str, Any], posted: Posted
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str | None]:
    """(debit lines, credit lines, why not) of the correcting entry: per target account
    the difference between Magento's amount and QuickBooks' (``posted``: every journal line
    of the document), balanced on the rounding account. No lines and no reason: nothing
    to correct; a reason: the difference is more than rounding."""
    targets = planned.get("Targets") or []
    named = {str(t["AccountRef"]["FullName"]) for t in targets if t.get("EntityRef")}
    wanted: dict[tuple[str, str], Decimal] = {}
    for target in targets:
        account = str(target["AccountRef"]["FullName"])
        name = str((target.get("EntityRef") or {}).get("FullName") or "")
        wanted[(account, name)] = wanted.get((account, name), Decimal(0)) + \
            Decimal(str(target["Amount"]))
    accounts = {account for account, _name in wanted}
    held: dict[tuple[str, str], Decimal] = {}
    count = 0
    for account, name, amount in posted:
        count += 1
        if account in accounts:
            key = (account, name if account in named else "")
            held[key] = held.get(key, Decimal(0)) + amount
    differences = {key: (wanted.get(key, Decimal(0)) - held.get(key, Decimal(0))).quantize(_CENT)
                   for key in {*wanted, *held}}
    differences = {key: value for key, value in differences.items() if value}
    drift = sum((abs(value) for value in differences.values()), Decimal(0))
    if drift > _CENT * max(count, 1):
        listed = ", ".join(f"{account}{f' ({name})' if name else ''} {value:+}"
                           for (account, name), value in sorted(differences.items()))
        return [], [], (f"QuickBooks posted amounts that differ from Magento's base amounts by "
                         f"more than rounding ({listed}); an item posts to another account "
                         "than planned. Not corrected: book the difference by hand.")
    memo = str(planned.get("Memo") or "")
    debits: list[dict[str, Any]] = []
    credits: list[dict[str, Any]] = []

    def line(account: str, name: str, value: Decimal) -> None:
        entry: dict[str, Any] = {"AccountRef": {"FullName": account},
                                 "Amount": format(abs(value), "f"), "Memo": memo}
        if name:
            entry["EntityRef"] = {"FullName": name}
        (debits if value > 0 else credits).append(entry)

    for (account, name), value in sorted(differences.items()):
        line(account, name, value)
    balance = sum(differences.values(), Decimal(0))
    if balance:
        line(str(planned["RoundingAccountRef"]["FullName"]), "", -balance)
    return debits, credits, None


def _posted_lines(response: Any, txn_id: str) -> list[tuple[str, str, Decimal]]:
    rows = []
    for ret in response.rets:
        if ret.type != "TransactionRet" or ret.txn_id != txn_id:
            continue
        fields = ret.fields
        rows.append((_text(fields, "AccountRef/FullName"), _text(fields, "EntityRef/FullName"),
                     _amount(fields)))
    return rows


class RoundingHandler:
    """Fills the correcting journal entry from the read-back; records the entry posted."""

    operations = OPERATIONS

    def handle_response(self, session: Session, request: RequestLike, response: Any
                        ) -> list[tuple[Request, str, str]]:
        if request.operation == "JournalEntryAdd":
            record_posted_amount(session, request, response)
            return []
        if not (request.idempotency_key or "").startswith(READBACK_PREFIX) \
                or request.status != RequestStatus.SUCCEEDED.value:
            return []
        document = session.scalars(
            select(Request).join(RequestDependency, RequestDependency.depends_on_id == Request.id)
            .where(RequestDependency.request_id == request.id)).first()
        entries = session.scalars(
            select(Request).join(RequestDependency, RequestDependency.request_id == Request.id)
            .where(RequestDependency.depends_on_id == request.id,
                   Request.operation == "JournalEntryAdd", Request.status.in_(_OPEN))).all()
        if document is None or not document.qb_id:
            return []
        posted = _posted_lines(response, document.qb_id)
        asked: list[tuple[Request, str, str]] = []
        if not posted:
            return [(entry, RequestStatus.FAILED.value,
                     f"QuickBooks' read-back holds no journal line of transaction "
                     f"{document.qb_id}; the currency rounding was not corrected")
                    for entry in entries]
        for entry in entries:
            payload = dict(entry.payload or {})
            planned = payload.pop(CORRECTION, None)
            if not isinstance(planned, dict):
                continue
            debits, credits, problem = correction(planned, posted)
            if problem:
                asked.append((entry, RequestStatus.FAILED.value, problem))
            elif not debits and not credits:
                asked.append((entry, RequestStatus.CANCELED.value,
                              "skipped: QuickBooks posted Magento's base amounts to the cent; "
                              "there is no currency rounding to correct"))
            else:
                if debits:
                    payload["JournalDebitLine"] = debits
                if credits:
                    payload["JournalCreditLine"] = credits
                entry.payload = payload  # reassigned so the JSON column sees the change
        return asked
