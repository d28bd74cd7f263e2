"""What every transaction Add shares: the header, the stamp, saving the Ret."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import Answer, Company, required_ref
from qbwc_service.sandbox.quickbooks.ledger import fill_txn
from qbwc_service.sandbox.quickbooks.retxml import (
    echoed,
    element,
    from_text,
    money,
    ordered,
    quantity,
    text_of,
    to_text,
)
from qbwc_service.sandbox.quickbooks.store import TxnRow

__all__ = [
    "LABEL",
    "header",
    "parts_ref",
    "price_text",
    "ref_id",
    "required_id",
    "resave",
    "restamp",
    "save",
    "stamp",
    "touch",
    "txn_date_of",
]

# How QuickBooks names each transaction in its messages. A journal entry is a "General
# Journal transaction" in a real 3180 ("There was an error when saving a General Journal
# transaction.  QuickBooks error message: Transaction not in balance.", quoted by Acctivate,
# hub.acctivate.com/articles/transaction-not-in-balance-error-during-synchronization).
LABEL = {"Invoice": "Invoice", "SalesReceipt": "Sales Receipt", "CreditMemo": "Credit Memo",
         "ReceivePayment": "Receive Payment", "InventoryAdjustment": "Inventory Adjustment",
         "TransferInventory": "Transfer Inventory", "Check": "Check",
         "ARRefundCreditCard": "Credit Card Refund",
         "JournalEntry": "General Journal transaction"}
_HEADER_SKIP = frozenset({"DiscountLineAdd", "SalesTaxLineAdd", "ShippingLineAdd", "SetCredit",
                          "LinkToTxnID"})


def header(company: Company, kind: str, source: etree._Element,
           skip: frozenset[str]) -> list[etree._Element]:
    parts: list[etree._Element] = []
    for child in source:
        if not isinstance(child.tag, str) or child.tag in skip or child.tag in _HEADER_SKIP:
            continue
        if str(child.tag).endswith("Ref"):
            parts.append(company.resolve(child, LABEL[kind]))
        elif (copy := echoed(child)) is not None:
            parts.append(copy)
    return parts


def stamp(company: Company, kind: str,
          source: etree._Element) -> tuple[list[etree._Element], str, str, int]:
    txn_date = text_of(source, "TxnDate") or date.today().isoformat()
    company.check_open_period(txn_date, LABEL[kind])
    now_text, epoch = company.store.now()
    txn_id = company.store.new_txn_id(epoch)
    parts = [element("TxnID", txn_id), element("TimeCreated", now_text),
             element("TimeModified", now_text), element("EditSequence", str(epoch)),
             element("TxnDate", txn_date)]
    return parts, txn_id, now_text, epoch


def restamp(company: Company, kind: str, source: etree._Element,
            existing: TxnRow) -> tuple[list[etree._Element], str, str, int]:
    """``stamp`` for a Mod: same TxnID and TimeCreated, a new TimeModified and EditSequence;
    neither the old date nor the new one may fall in a closed period."""
    txn_date = text_of(source, "TxnDate") or existing.txn_date
    company.check_open_period(existing.txn_date, LABEL[kind])
    company.check_open_period(txn_date, LABEL[kind])
    now_text, epoch = company.store.now()
    created = text_of(from_text(existing.ret_xml), "TimeCreated") or now_text
    edit_sequence = company.store.next_edit_sequence(existing.edit_sequence, epoch)
    parts = [element("TxnID", existing.txn_id), element("TimeCreated", created),
             element("TimeModified", now_text), element("EditSequence", edit_sequence),
             element("TxnDate", txn_date)]
    return parts, existing.txn_id, now_text, int(edit_sequence)


def resave(company: Company, kind: str, parts: list[etree._Element], existing: TxnRow,
           now_text: str, total: Decimal, customer_id: str | None,
           source: etree._Element) -> Answer:
    """Store a re-posted transaction under its TxnID and TxnNumber."""
    number = text_of(from_text(existing.ret_xml), "TxnNumber") or "0"
    ret = ordered(f"{kind}Ret", [*parts, element("TxnNumber", number)])
    edit_sequence = text_of(ret, "EditSequence") or existing.edit_sequence
    company.store.update_txn(TxnRow(
        existing.txn_id, kind, text_of(ret, "RefNumber"), text_of(ret, "TxnDate") or "",
        customer_id, total, text_of(source, "Memo"), text_of(source, "Other"), edit_sequence,
        now_text, to_text(ret)))
    return Answer([fill_txn(company.store, kind, existing.txn_id, ret)])


def price_text(value: Decimal) -> str:
    """PRICETYPE as QuickBooks writes it: two decimals unless more are needed."""
    exact = quantity(value)
    return money(value) if len(exact.partition(".")[2]) <= 2 else exact


def txn_date_of(parts: list[etree._Element]) -> str:
    return next(part.text or "" for part in parts if part.tag == "TxnDate")


def parts_ref(parts: list[etree._Element], tag: str) -> etree._Element | None:
    return next((part for part in parts if part.tag == tag), None)


def ref_id(parts: list[etree._Element], tag: str) -> str | None:
    """The ListID of the ``tag`` reference among ``parts``; ``None`` without one."""
    ref = parts_ref(parts, tag)
    return text_of(ref, "ListID") if ref is not None else None


def required_id(parts: list[etree._Element], tag: str, where: str) -> str:
    """The ListID of the resolved ``tag`` reference among ``parts``; 3140 without one."""
    return text_of(required_ref(parts_ref(parts, tag), tag, where), "ListID") or ""


def save(company: Company, kind: str, parts: list[etree._Element], txn_id: str, stamp: str,
         epoch: int, total: Decimal, customer_id: str | None,
         source: etree._Element) -> Answer:
    """Store the transaction; post its journal lines and applications before calling this."""
    provisional = ordered(f"{kind}Ret", parts)
    row = TxnRow(txn_id, kind, text_of(provisional, "RefNumber"),
                 text_of(provisional, "TxnDate") or "", customer_id, total,
                 text_of(source, "Memo"), text_of(source, "Other"), str(epoch), stamp, "")
    number = company.store.insert_txn(row, text_of(source, "ExternalGUID"))
    ret = ordered(f"{kind}Ret", [*parts, element("TxnNumber", str(number))])
    company.store.update_txn_ret(txn_id, to_text(ret), str(epoch), stamp)
    return Answer([fill_txn(company.store, kind, txn_id, ret)])




def touch(company: Company, txn_id: str) -> None:
    """A linked transaction changed (paid, credited, refunded): QuickBooks bumps its
    TimeModified and EditSequence, so a Mod holding the old EditSequence gets 3200."""
    store = company.store
    row = store.get_txn(txn_id)
    if row is None:
        return
    ret = from_text(row.ret_xml)
    now_text, epoch = store.now()
    edit_sequence = store.next_edit_sequence(row.edit_sequence, epoch)
    for tag, value in (("TimeModified", now_text), ("EditSequence", edit_sequence)):
        node = ret.find(tag)
        if node is not None:
            node.text = value
    store.update_txn_ret(txn_id, to_text(ret), edit_sequence, now_text)
